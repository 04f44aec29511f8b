/// Makes untrusted text safe to show: no control characters, no escape
/// sequences, no invalid UTF-8, bounded length.
public enum Sanitize {
  /// Replaces control characters (C0, DEL, C1) and invalid UTF-8 with U+FFFD-free
  /// visible forms (`\x1b` style) so nothing can drive the terminal.
  public static func visible(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
      let v = scalar.value
      if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0x2028 || v == 0x2029 || (v >= 0x202A && v <= 0x202E)
        || (v >= 0x2066 && v <= 0x2069)
      {
        out += "\\x" + String(v, radix: 16, uppercase: false).leftPadded(to: 2)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Decodes bytes as UTF-8 (invalid sequences become U+FFFD) and makes them visible.
  public static func visible(_ bytes: some Collection<UInt8>) -> String {
    visible(String(decoding: bytes, as: UTF8.self))
  }

  /// A visible form, cut to `limit` characters, for error messages.
  public static func short(_ s: String, limit: Int = 40) -> String {
    let v = visible(s)
    return v.count > limit ? String(v.prefix(limit)) + "..." : v
  }

  public static func short(_ bytes: [UInt8], limit: Int = 40) -> String {
    short(String(decoding: bytes, as: UTF8.self), limit: limit)
  }

  static func short(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    short(String(decoding: UnsafeBufferPointer(start: p + start, count: max(0, min(end - start, 200))), as: UTF8.self))
  }
}

extension String {
  package func leftPadded(to width: Int, with pad: Character = "0") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}
