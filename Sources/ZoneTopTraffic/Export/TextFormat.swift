import ZoneTopExposition

/// Locale-independent number formatting for exports and the UI.
public enum NumberText {
  /// `v` with exactly `decimals` digits after the point (no exponent).
  public static func fixed(_ v: Double, _ decimals: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "+Inf" : "-Inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    guard scaled < 9e18 else { return String(v) }
    let n = UInt64(scaled)
    let s = UInt64(scale)
    let whole = n / s
    let frac = n % s
    let sign = v < 0 && n > 0 ? "-" : ""
    if decimals == 0 { return sign + String(whole) }
    return sign + String(whole) + "." + String(frac).leftPadded(to: decimals)
  }

  /// `1.2 MB/s`-style SI rates and sizes (k = 1000).
  public static func bytes(_ v: Double, suffix: String = "B") -> String {
    let units = ["", "k", "M", "G", "T", "P"]
    var x = v
    var u = 0
    // Three significant digits, chosen after rounding: 9.996 MB is "10.0 MB", not "10.00 MB".
    while abs(x) >= 999.5 && u < units.count - 1 {
      x /= 1000
      u += 1
    }
    if u == 0 { return fixed(x, 0) + " " + suffix }
    return fixed(x, abs(x) < 9.995 ? 2 : (abs(x) < 99.95 ? 1 : 0)) + " " + units[u] + suffix
  }

  /// `$1,234.56`-style dollars (`$0.0012` for small amounts).
  public static func usd(_ v: Double) -> String {
    if v != 0 && abs(v) < 0.01 { return "$" + fixed(v, 4) }
    let text = fixed(v, 2)
    let parts = text.split(separator: ".", maxSplits: 1)
    var whole = String(parts[0])
    let negative = whole.hasPrefix("-")
    if negative { whole.removeFirst() }
    var grouped = ""
    for (i, c) in whole.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { grouped.append(",") }
      grouped.append(c)
    }
    return (negative ? "-$" : "$") + String(grouped.reversed()) + "." + parts[1]
  }
}

/// CSV fields per RFC 4180, with text fields neutralised against formula injection.
public enum CSV {
  /// A text field: control characters made visible, a leading `=`, `+`, `-`, `@`, tab
  /// or CR prefixed with `'`, quoted when it holds a comma, quote or line break.
  public static func text(_ s: String) -> String {
    var v = Sanitize.visible(s)
    if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
    if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return v
  }

  /// A row of already-formatted fields.
  public static func row(_ fields: [String]) -> String { fields.joined(separator: ",") + "\r\n" }
}

/// JSON text, always valid: strings escaped, non-finite numbers as null.
public enum JSON {
  public static func string(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0)
          || scalar.value == 0x2028 || scalar.value == 0x2029
        {
          out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  public static func number(_ v: Double, _ decimals: Int = 6) -> String {
    v.isFinite ? NumberText.fixed(v, decimals) : "null"
  }
}

extension String {
  func replacingOccurrences(of target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var out = ""
    var rest = Substring(self)
    while let r = rest.range(of: target) {
      out += rest[..<r.lowerBound]
      out += replacement
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

extension Substring {
  func range(of target: String) -> Range<Substring.Index>? {
    guard !target.isEmpty else { return nil }
    var i = startIndex
    while i < endIndex {
      if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
      i = index(after: i)
    }
    return nil
  }
}
