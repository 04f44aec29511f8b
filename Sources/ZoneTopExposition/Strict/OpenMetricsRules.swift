import Glibc

/// The family-level rules of OpenMetrics 1.0 that strict mode enforces:
/// metadata placement, clashing names, grouping and ordering, histogram,
/// summary, stateset and info semantics, counter values and exemplar placement.
///
/// A class owned by its parser (a `let`, reset for each body): the parser calls it on
/// every sample, and a struct or a replaceable reference would cost a checked
/// exclusive access or a retain each time.
final class OpenMetricsRules {
  /// The part of a sample name after its family name.
  enum Suffix: String, CaseIterable {
    case none = ""
    case total = "_total"
    case created = "_created"
    case count = "_count"
    case sum = "_sum"
    case bucket = "_bucket"
    case gcount = "_gcount"
    case gsum = "_gsum"
    case info = "_info"

    /// This suffix's bit in a family's set of allowed suffixes.
    var bit: UInt16 {
      switch self {
      case .none: 1
      case .total: 2
      case .created: 4
      case .count: 8
      case .sum: 16
      case .bucket: 32
      case .gcount: 64
      case .gsum: 128
      case .info: 256
      }
    }

    /// The suffix spelled by the `count` bytes at `tail`, if any.
    static func spelled(by tail: UnsafePointer<UInt8>, count: Int) -> Suffix? {
      @inline(__always) func equal(_ s: StaticString) -> Bool { ExpositionParser.sameBytes(tail, s.utf8Start, count) }
      switch count {
      case 0: return Suffix.none
      case 4: return equal("_sum") ? .sum : nil
      case 5: return equal("_info") ? .info : equal("_gsum") ? .gsum : nil
      case 6: return equal("_total") ? .total : equal("_count") ? .count : nil
      case 7: return equal("_bucket") ? .bucket : equal("_gcount") ? .gcount : nil
      case 8: return equal("_created") ? .created : nil
      default: return nil
      }
    }

    var isCounterLike: Bool {
      switch self {
      case .total, .sum, .count, .bucket, .gcount, .gsum: true
      default: false
      }
    }
  }

  /// The family being read (its name is `familyName`); its label-set bookkeeping is in
  /// `seenGroups` and `groupSeries`.
  private struct Family {
    /// nil until a TYPE line says; a family that starts with a sample is `unknown`.
    ///
    /// Set with `setFamilyType`, which keeps `allowedSuffixes` in step.
    var type: MetricType?
    /// The sample-name suffixes the type allows (`Suffix.bit`s).
    var allowedSuffixes: UInt16 = Suffix.none.bit
    var hasHelp = false
    var unit: [UInt8]?
    var hasSamples = false
    var startLine = 0
    var group: UInt64?
    var groupTimestamp: Double?
    var histogram = HistogramCheck()
  }

  /// Running checks over one histogram group (reset on group or timestamp change).
  private struct HistogramCheck {
    var active = false
    var bucket: Double?
    var value: Double = 0
    var count: Double?
    var hasNegativeBuckets = false
    var hasSum = false
    var hasGSum = false
    var hasNegativeGSum = false

    func problem() -> String? {
      guard active else { return nil }
      if bucket != .infinity { return "histogram has no +Inf bucket" }
      if let count, count != value { return "_count (\(count)) does not match the +Inf bucket (\(value))" }
      if hasSum && count == nil { return "_count must be present when _sum is" }
      if hasGSum && count == nil { return "_gcount must be present when _gsum is" }
      if !(hasSum || hasGSum) && count != nil { return "_sum must be present when _count is" }
      if hasNegativeBuckets && hasSum { return "a histogram with negative buckets cannot have _sum" }
      if !hasNegativeBuckets && hasNegativeGSum { return "negative _gsum without negative buckets" }
      return nil
    }
  }

  private var family = Family()
  private var inFamily = false
  /// The label sets (less `le`, `quantile` or the stateset label) of the family's groups so far.
  private let seenGroups = SeriesHashSet()
  /// The series (name and label set) of the current group.
  private let groupSeries = SeriesHashSet()
  /// The family's name, outside reference counting: compared on every sample.
  private var familyName = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)
  private var seenNames = Set<[UInt8]>()

  deinit { familyName.deallocate() }

  /// Sets the family's type and the suffixes it allows (computed first, so that every
  /// access to `family` is an instant one and needs no run-time exclusivity check).
  private func setFamilyType(_ type: MetricType?) {
    let allowed = (type.map(Self.suffixes) ?? [.none]).reduce(0) { $0 | $1.bit }
    family.type = type
    family.allowedSuffixes = allowed
  }

  /// Forgets everything, for the next body.
  func reset() {
    family = Family()
    inFamily = false
    seenGroups.removeAll()
    groupSeries.removeAll()
    seenNames.removeAll()
  }

  /// Starts a new family after finishing the current one.
  private func startFamily(_ parser: ExpositionParser, name: [UInt8], type: MetricType?) {
    finishFamily(parser)
    family = Family(startLine: parser.currentLine)
    familyName.deallocate()
    familyName = .allocate(capacity: name.count)
    _ = familyName.initialize(from: name)
    setFamilyType(type)
    inFamily = true
    seenGroups.removeAll()
    groupSeries.removeAll()
  }

  // MARK: - Metadata

  func metadata(
    _ parser: ExpositionParser, keyword: String, name: [UInt8], type: MetricType?, unit: [UInt8]?, column: Int
  ) {
    if inFamily && familyName.elementsEqual(name) {
      if family.hasSamples {
        return parser.ruleViolation(
          column: column, "\(keyword) for \"\(Sanitize.short(name))\" after its samples: metadata must come first")
      }
      switch keyword {
      case "HELP":
        if family.hasHelp { return parser.ruleViolation(column: column, "second HELP for \"\(Sanitize.short(name))\"") }
        family.hasHelp = true
      case "TYPE":
        if family.type != nil {
          return parser.ruleViolation(column: column, "second TYPE for \"\(Sanitize.short(name))\"")
        }
        setFamilyType(type)
      default:
        if family.unit != nil {
          return parser.ruleViolation(column: column, "second UNIT for \"\(Sanitize.short(name))\"")
        }
        family.unit = unit
      }
      return
    }
    startFamily(parser, name: name, type: keyword == "TYPE" ? type : nil)
    switch keyword {
    case "HELP": family.hasHelp = true
    case "TYPE": break
    default: family.unit = unit
    }
  }

  // MARK: - Samples

  func sample(
    _ parser: ExpositionParser, _ p: UnsafePointer<UInt8>, _ start: Int, _ nameEnd: Int,
    labels: UnsafeBufferPointer<LabelSpan>, value: ParsedNumber, timestamp: Double?,
    hasExemplar: Bool, groupHash: UInt64, seriesHash: UInt64
  ) -> Bool {
    let nameLen = nameEnd - start
    let suffix: Suffix
    if let known = suffixInFamily(p, start, nameLen) {
      suffix = known
    } else {
      startFamily(parser, name: Array(UnsafeBufferPointer(start: p + start, count: nameLen)), type: .unknown)
      suffix = .none
    }
    let type = family.type ?? .unknown
    func violation(_ message: String) -> Bool {
      parser.ruleViolation(column: 0, message)
      return false
    }
    func label(_ name: [UInt8]) -> (String, LabelSpan)? {
      for l in labels where Int(l.nameLength) == name.count && memcmp(p + Int(l.nameStart), name, name.count) == 0 {
        return (
          String(decoding: UnsafeBufferPointer(start: p + Int(l.valueStart), count: Int(l.valueLength)), as: UTF8.self),
          l
        )
      }
      return nil
    }
    var special: (String, LabelSpan)?
    /// The bucket's `le` bound, for histogram buckets.
    var bucketBound: Double?
    switch (type, suffix) {
    case (.stateset, _):
      let name = Array(familyName)
      guard let s = label(name) else { return violation("stateset sample has no \"\(Sanitize.short(name))\" label") }
      special = s
    case (.histogram, .bucket), (.gaugehistogram, .bucket):
      guard let le = label(Self.le) else { return violation("_bucket sample has no \"le\" label") }
      guard let bound = NumberParsing.openMetricsValue(le.0, 0, le.0.utf8.count), !bound.value.isNaN else {
        return violation("invalid \"le\" label value \"\(Sanitize.short(le.0))\"")
      }
      special = le
      bucketBound = bound.value
    case (.summary, .none):
      guard let q = label(Self.quantile) else { return violation("summary sample has no \"quantile\" label") }
      guard let v = NumberParsing.openMetricsValue(q.0, 0, q.0.utf8.count), v.value >= 0, v.value <= 1 else {
        return violation("invalid \"quantile\" label value \"\(Sanitize.short(q.0))\": expected a number from 0 to 1")
      }
      special = q
    default:
      break
    }
    if (suffix == .bucket || suffix == .count || suffix == .gcount)
      && (type == .histogram || type == .gaugehistogram || (type == .summary && suffix == .count)),
      value.exact == nil, value.value.rounded() != value.value
    {
      return violation("\(suffix.rawValue) value must be an integer")
    }
    // Grouping and timestamps.
    var g = groupHash
    if type == .info {
      g = 0
    } else if let special {
      let l = special.1
      let nh = hashBytes(p + Int(l.nameStart), Int(l.nameLength))
      g = groupHash &- hashBytes(p + Int(l.valueStart), Int(l.valueLength), seed: nh)
    }
    if let group = family.group, g != group, seenGroups.contains(g) {
      return violation("samples of one metric are not grouped together (interleaved label sets)")
    }
    let sameGroup = family.group == g
    if sameGroup {
      if (timestamp == nil) != (family.groupTimestamp == nil) {
        return violation("some samples of a group have timestamps and some do not")
      }
      if let gt = family.groupTimestamp, let ts = timestamp, gt > ts, type != .info {
        return violation("timestamp went backwards within a group")
      }
      if timestamp == nil && groupSeries.contains(seriesHash) {
        return violation("duplicate sample: the same name and label set appear twice")
      }
    } else {
      groupSeries.removeAll()
    }
    if type == .histogram || type == .gaugehistogram {
      if !sameGroup || family.groupTimestamp != timestamp {
        let histogram = family.histogram  // a copy: no access to `family` across the call
        if let problem = histogram.problem() { return violation(problem) }
        family.histogram = HistogramCheck(active: true)
      }
    }
    groupSeries.insert(seriesHash)
    family.group = g
    family.groupTimestamp = timestamp
    if !sameGroup { seenGroups.insert(g) }  // new: the interleaving check above said so
    family.hasSamples = true
    let v = value.value
    // Value rules.
    if type == .stateset && v != 0 && v != 1 { return violation("stateset values must be 0 or 1") }
    if type == .info && v != 1 { return violation("info values must be 1") }
    if type == .summary && suffix == .none && v < 0 { return violation("quantile values cannot be negative") }
    let counterLike = suffix.isCounterLike && type != .unknown && type != .gauge
    if counterLike && v.isNaN { return violation("\(suffix.rawValue) value cannot be NaN") }
    if counterLike && suffix != .gsum && v < 0 { return violation("\(suffix.rawValue) value cannot be negative") }
    if hasExemplar && !((type == .histogram || type == .gaugehistogram) && suffix == .bucket)
      && !(type == .counter && suffix == .total)
    {
      return violation("exemplars are allowed only on counter _total and histogram _bucket samples")
    }
    if type == .histogram || type == .gaugehistogram {
      switch suffix {
      case .bucket:
        let le = bucketBound ?? 0
        if le < 0 { family.histogram.hasNegativeBuckets = true }
        if let b = family.histogram.bucket, le <= b {
          return violation("histogram buckets are not in increasing \"le\" order")
        }
        if v < family.histogram.value { return violation("histogram bucket values are not cumulative") }
        family.histogram.bucket = le
        family.histogram.value = v
      case .count, .gcount: family.histogram.count = v
      case .sum: family.histogram.hasSum = true
      case .gsum:
        family.histogram.hasGSum = true
        if v < 0 { family.histogram.hasNegativeGSum = true }
      default: break
      }
    }
    return true
  }

  // MARK: - End of a family

  func finishFamily(_ parser: ExpositionParser) {
    guard inFamily else { return }
    inFamily = false
    let f = family
    let type = f.type ?? .unknown
    let bytes = Array(familyName)
    let name = String(decoding: bytes, as: UTF8.self)
    // In a fixed order, so that the clash reported is the same on every run.
    let names = [Suffix.none] + Self.suffixes(type).filter { $0 != .none }
    for suffix in names {
      let full = bytes + Array(suffix.rawValue.utf8)
      if !seenNames.insert(full).inserted {
        return parser.familyViolation(
          line: f.startLine,
          "metric name \"\(Sanitize.short(name + suffix.rawValue))\" clashes with an earlier metric family (or the family is not contiguous)"
        )
      }
    }
    if let unit = f.unit, !unit.isEmpty {
      if !(bytes.count > unit.count && bytes.suffix(unit.count + 1) == ArraySlice([UInt8(ascii: "_")] + unit)) {
        return parser.familyViolation(
          line: f.startLine,
          "metric name \"\(Sanitize.short(name))\" must end with its unit \"_\(Sanitize.short(unit))\"")
      }
      if type == .info || type == .stateset {
        return parser.familyViolation(line: f.startLine, "\(type.rawValue) metrics cannot have a unit")
      }
    }
    if let problem = f.histogram.problem() {
      parser.familyViolation(line: parser.currentLine, "\(name): \(problem)")
    }
  }

  static let le: [UInt8] = Array("le".utf8)
  static let quantile: [UInt8] = Array("quantile".utf8)

  static func suffixes(_ type: MetricType) -> [Suffix] {
    switch type {
    case .counter: return [.total, .created]
    case .summary: return [.none, .count, .sum, .created]
    case .histogram: return [.count, .sum, .bucket, .created]
    case .gaugehistogram: return [.gcount, .gsum, .bucket]
    case .info: return [.info]
    default: return [.none]
    }
  }

  /// The suffix of a sample name within the current family, or nil if it is another family.
  private func suffixInFamily(_ p: UnsafePointer<UInt8>, _ start: Int, _ len: Int) -> Suffix? {
    let base = familyName.count
    guard inFamily, len >= base, let name = familyName.baseAddress,
      ExpositionParser.sameBytes(p + start, name, base),
      let suffix = Suffix.spelled(by: p + start + base, count: len - base),
      family.allowedSuffixes & suffix.bit != 0
    else { return nil }
    return suffix
  }
}

extension NumberParsing {
  static func openMetricsValue(_ s: String, _ start: Int, _ end: Int) -> ParsedNumber? {
    var s = s
    return s.withUTF8 { b in b.baseAddress.flatMap { openMetricsValue($0, start, end) } }
  }
}
