import Glibc

/// The rules of Prometheus text 0.0.4 that strict mode enforces beyond syntax:
/// one HELP and one TYPE per family, TYPE before the family's samples, valid
/// `le` and `quantile` labels, and no duplicate series.
///
/// A class owned by its parser and mutated in place on every sample, like `OpenMetricsRules`.
final class PrometheusRules {
  private var helps = Set<[UInt8]>()
  private var types: [[UInt8]: MetricType] = [:]
  private var familiesWithSamples = Set<[UInt8]>()
  private let series = SeriesHashSet()
  private var currentFamily: [UInt8] = []
  private var currentType: MetricType = .untyped

  /// Forgets everything, for the next body.
  func reset() {
    helps.removeAll()
    types.removeAll()
    familiesWithSamples.removeAll()
    series.removeAll()
    currentFamily = []
    currentType = .untyped
  }

  func help(_ parser: ExpositionParser, name: [UInt8], column: Int) {
    if !helps.insert(name).inserted {
      parser.ruleViolation(column: column, "second HELP line for \"\(Sanitize.short(name))\"")
    }
  }

  func type(_ parser: ExpositionParser, name: [UInt8], type: MetricType, column: Int) {
    if types[name] != nil {
      return parser.ruleViolation(column: column, "second TYPE line for \"\(Sanitize.short(name))\"")
    }
    if familiesWithSamples.contains(name) {
      return parser.ruleViolation(column: column, "TYPE line for \"\(Sanitize.short(name))\" after its samples")
    }
    types[name] = type
  }

  func sample(
    _ parser: ExpositionParser, _ p: UnsafePointer<UInt8>, _ start: Int, _ nameEnd: Int,
    labels: UnsafeBufferPointer<LabelSpan>, value: ParsedNumber, timestamp: Int64?, seriesHash: UInt64
  ) -> Bool {
    let name = UnsafeBufferPointer(start: p + start, count: nameEnd - start)
    // A word-wise compare: `elementsEqual` between a buffer and an array is a generic,
    // byte-at-a-time loop here, and this runs for every sample.
    // Force unwrap: equal counts; memcmp of 0 bytes reads nothing.
    // swift-format-ignore: NeverForceUnwrap
    let sameFamily =
      currentFamily.count == name.count
      && currentFamily.withUnsafeBufferPointer { memcmp($0.baseAddress!, p + start, name.count) == 0 }
    if !sameFamily {
      let bytes = Array(name)
      var family = bytes
      var type = types[bytes] ?? .untyped
      for suffix in ["_bucket", "_sum", "_count"]
      where bytes.count > suffix.utf8.count && bytes.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) {
        let base = Array(bytes.dropLast(suffix.utf8.count))
        if let t = types[base], t == .histogram || (t == .summary && suffix != "_bucket") {
          family = base
          type = t
        }
      }
      currentFamily = bytes
      currentType = type
      familiesWithSamples.insert(family)
    }
    let isBucket = currentType == .histogram && name.count > 7 && name.suffix(7).elementsEqual("_bucket".utf8)
    let isQuantile = currentType == .summary && types[Array(name)] == .summary
    for l in labels {
      let labelName = UnsafeBufferPointer(start: p + Int(l.nameStart), count: Int(l.nameLength))
      let needs =
        (isBucket && labelName.elementsEqual("le".utf8)) || (isQuantile && labelName.elementsEqual("quantile".utf8))
      guard needs else { continue }
      if NumberParsing.prometheusValue(p, Int(l.valueStart), Int(l.valueStart + l.valueLength)) == nil {
        parser.ruleViolation(
          column: Int(l.valueStart) - start,
          "invalid \"\(String(decoding: labelName, as: UTF8.self))\" label value: expected a number")
        return false
      }
    }
    let key = seriesHash &+ UInt64(bitPattern: timestamp ?? Int64.min)
    if series.contains(key) {
      parser.ruleViolation(column: 0, "duplicate sample: the same name and label set appear twice")
      return false
    }
    series.insert(key)
    return true
  }
}
