/// Human-readable sizes and rates.
public enum ByteFormat {
  /// `64 MiB`, `1.5 GiB`, `512 B`.
  public static func size(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 {
      v /= 1024
      u += 1
    }
    return u == 0 ? "\(n) B" : (v == v.rounded() ? "\(Int(v)) \(units[u])" : NumberText.fixed(v, 1) + " " + units[u])
  }
}
