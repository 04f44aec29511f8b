import Glibc
import ZoneTopExposition

/// glibc's `wcwidth` (Glibc's module leaves it out: it is an XSI function).
@_silgen_name("wcwidth")
private func systemWcwidth(_ c: wchar_t) -> Int32

/// Terminal columns of characters, from glibc's `wcwidth` in the C.UTF-8 locale
/// (whatever the process's locale): CJK and emoji take two, combining and zero-width
/// characters none, controls (already made visible by `Sanitize`) one.
public enum DisplayWidth {
  /// Widths of U+0000 to U+3FFFF (every assigned wide range), computed once.
  private static let table: [UInt8] = {
    var t = [UInt8](repeating: 1, count: 0x40000)
    guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return fallbackTable() }
    defer { freelocale(utf8) }
    let previous = uselocale(utf8)
    defer { uselocale(previous) }
    for v in 0x20..<0x40000 {
      let w = systemWcwidth(wchar_t(v))
      t[v] = w < 0 ? 1 : UInt8(min(2, Int(w)))
    }
    return t
  }()

  /// Without a UTF-8 locale: the main wide and zero-width ranges.
  private static func fallbackTable() -> [UInt8] {
    var t = [UInt8](repeating: 1, count: 0x40000)
    for r in [
      0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ] {
      for v in r { t[v] = 2 }
    }
    for r in [0x0300...0x036F, 0x200B...0x200F, 0x2060...0x2064, 0xFE00...0xFE0F, 0xFEFF...0xFEFF] {
      for v in r { t[v] = 0 }
    }
    return t
  }

  /// The columns one character takes: 0, 1 or 2.
  @inline(__always)
  public static func of(_ s: Unicode.Scalar) -> Int {
    let v = Int(s.value)
    if v < 0x300 { return 1 }
    if v < table.count { return Int(table[v]) }
    // Tags and variation selectors of plane 14 are zero-width; the rest of the planes narrow.
    return (0xE0000...0xE0FFF).contains(v) ? 0 : 1
  }

  /// The columns `s` takes once made visible.
  public static func of(_ s: String) -> Int {
    Sanitize.visible(s).unicodeScalars.reduce(0) { $0 + of($1) }
  }

  /// The longest prefix of `s` (made visible) that takes at most `width` columns.
  public static func prefix(_ s: String, width: Int) -> String {
    var out = String.UnicodeScalarView()
    var used = 0
    for scalar in Sanitize.visible(s).unicodeScalars {
      let w = of(scalar)
      if used + w > width { break }
      used += w
      out.append(scalar)
    }
    return String(out)
  }

  /// `s` cut to `width` columns with `…` at the end when it is longer.
  public static func truncated(_ s: String, width: Int) -> String {
    of(s) > width ? prefix(s, width: max(0, width - 1)) + "…" : s
  }
}
