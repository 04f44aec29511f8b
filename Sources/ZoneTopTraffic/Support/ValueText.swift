/// Sizes as users write them: `64MiB`, `512KiB`, `1GB`, `1000000`.
public enum SizeText {
  /// Parses to bytes; a bare number means bytes.
  ///
  /// Nil for anything negative, fractional, or that does not fit an `Int` once multiplied.
  public static func parseBytes(_ s: String) -> Int? {
    let units: [(String, Int)] = [
      ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000),
      ("B", 1),
    ]
    for (suffix, mult) in units where s.hasSuffix(suffix) {
      guard let n = Int(s.dropLast(suffix.count)), n >= 0 else { return nil }
      let (bytes, overflow) = n.multipliedReportingOverflow(by: mult)
      return overflow ? nil : bytes
    }
    return Int(s).flatMap { $0 >= 0 ? $0 : nil }
  }
}

/// Replay speeds (`--speed`): a factor of the recorded pace.
public enum SpeedText {
  /// What `--speed` accepts, and what `+` and `-` reach.
  public static let range: ClosedRange<Double> = 0.25...64

  /// Parses a speed; nil for anything not a finite number in `range` (`nan`, `inf`, `0`).
  public static func parse(_ s: String) -> Double? {
    guard let v = Double(s), v.isFinite, range.contains(v) else { return nil }
    return v
  }
}
