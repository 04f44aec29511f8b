import Glibc

/// A number token parsed from exposition text.
public struct ParsedNumber: Sendable, Equatable {
  /// The value as a double.
  public var value: Double
  /// The exact value when the token was a plain unsigned integer that fits 64 bits.
  public var exact: UInt64?
}

/// Number grammars of the two text formats, on bytes.
enum NumberParsing {
  /// OpenMetrics number: `[+-]?(NaN|Inf|digits[.digits][e[+-]digits]|.digits...)`, case-sensitive.
  @inline(__always)
  static func openMetricsValue(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber? {
    if let fast = plainInteger(p, start, end) { return fast }
    var i = start
    guard i < end else { return nil }
    var negative = false
    if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
      negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    let rest = end - i
    if rest == 3 && p[i] == UInt8(ascii: "I") && p[i + 1] == UInt8(ascii: "n") && p[i + 2] == UInt8(ascii: "f") {
      return ParsedNumber(value: negative ? -.infinity : .infinity, exact: nil)
    }
    if rest == 3 && p[i] == UInt8(ascii: "N") && p[i + 1] == UInt8(ascii: "a") && p[i + 2] == UInt8(ascii: "N") {
      return ParsedNumber(value: .nan, exact: nil)
    }
    guard isDecimalFloat(p, i, end) else { return nil }
    return ParsedNumber(value: strtodRange(p, start, end), exact: nil)
  }

  /// Prometheus text 0.0.4 value: Go's ParseFloat for decimal input, with
  /// case-insensitive `NaN`, `Inf` and `Infinity`.
  @inline(__always)
  static func prometheusValue(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber? {
    if let fast = plainInteger(p, start, end) { return fast }
    var i = start
    guard i < end else { return nil }
    var negative = false
    if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
      negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    let word = lowercasedWord(p, i, end)
    if word == "inf" || word == "infinity" { return ParsedNumber(value: negative ? -.infinity : .infinity, exact: nil) }
    if word == "nan" { return ParsedNumber(value: .nan, exact: nil) }
    guard isDecimalFloat(p, i, end) else { return nil }
    return ParsedNumber(value: strtodRange(p, start, end), exact: nil)
  }

  /// OpenMetrics timestamp: a decimal number of seconds (no NaN or Inf).
  static func openMetricsTimestamp(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var i = start
    if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
    guard isDecimalFloat(p, i, end) else { return nil }
    return strtodRange(p, start, end)
  }

  /// Prometheus text timestamp: a signed 64-bit integer of milliseconds.
  static func prometheusTimestamp(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    var i = start
    var negative = false
    if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
      negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    guard i < end, end - i <= 19 else { return nil }
    var v: Int64 = 0
    while i < end {
      let d = p[i] &- 48
      guard d < 10 else { return nil }
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(Int64(d))
      if o1 || o2 { return nil }
      v = s
      i += 1
    }
    return negative ? -v : v
  }

  /// Digits only, up to UInt64.max: exact and fast (ztunnel prints its u64 counters this way).
  @inline(__always)
  static func plainInteger(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber? {
    let n = end - start
    guard n > 0, n <= 20 else { return nil }
    var v: UInt64 = 0
    var i = start
    if n < 20 {
      while i < end {
        let d = p[i] &- 48
        if d >= 10 { return nil }
        v = v &* 10 &+ UInt64(d)
        i += 1
      }
      return ParsedNumber(value: Double(v), exact: v)
    }
    while i < end {
      let d = p[i] &- 48
      if d >= 10 { return nil }
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(UInt64(d))
      if o1 || o2 { return nil }
      v = s
      i += 1
    }
    return ParsedNumber(value: Double(v), exact: v)
  }

  /// `digits[.digits*][(e|E)[+-]digits]` or `.digits[...]`, with no sign (checked by the caller).
  @inline(__always)
  static func isDecimalFloat(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    var digits = 0
    while i < end && p[i] &- 48 < 10 {
      i += 1
      digits += 1
    }
    if i < end && p[i] == UInt8(ascii: ".") {
      i += 1
      while i < end && p[i] &- 48 < 10 {
        i += 1
        digits += 1
      }
    }
    guard digits > 0 else { return false }
    if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
      i += 1
      if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
      var expDigits = 0
      while i < end && p[i] &- 48 < 10 {
        i += 1
        expDigits += 1
      }
      guard expDigits > 0 else { return false }
    }
    return i == end
  }

  static func lowercasedWord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    guard end - start <= 8 else { return "" }
    var s = ""
    for i in start..<end { s.unicodeScalars.append(Unicode.Scalar(p[i] | 0x20)) }
    return s
  }

  /// strtod over a range already checked to be a decimal number.
  static func strtodRange(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double {
    let n = end - start
    if n < 96 {
      return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
        for k in 0..<n { buf[k] = CChar(bitPattern: p[start + k]) }
        buf[n] = 0
        // Force unwrap: a stack buffer of fixed size.
        // swift-format-ignore: NeverForceUnwrap
        return strtod(buf.baseAddress!, nil)
      }
    }
    var bytes = [CChar](repeating: 0, count: n + 1)
    for k in 0..<n { bytes[k] = CChar(bitPattern: p[start + k]) }
    return strtod(bytes, nil)
  }
}
