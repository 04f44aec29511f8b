import Glibc
import ZoneTopExposition

/// Wall-clock helpers.
public enum WallClock {
  /// Milliseconds since the Unix epoch.
  public static func nowMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Monotonic seconds, for latencies.
  public static func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}

/// The scrape times zonetop believes: from 2000-01-01 up to (not including) 2200-01-01.
///
/// A recording, a scrape file's name or a Prometheus answer with a time outside is refused
/// where it is read: later arithmetic on such times (window spans, rates) would overflow.
public enum PlausibleTime {
  /// 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z, in milliseconds since the epoch.
  public static let range: Range<Int64> = 946_684_800_000..<7_258_118_400_000
  /// The range in words, for messages.
  public static let text = "2000-01-01 to 2200-01-01"

  public static func contains(ms: Int64) -> Bool { range.contains(ms) }
}

/// RFC 3339 times in UTC.
public enum RFC3339 {
  /// `2025-03-03T10:00:05Z` (milliseconds shown only when non-zero).
  public static func format(ms: Int64) -> String {
    var t = time_t(ms / 1000)
    var tmv = tm()
    gmtime_r(&t, &tmv)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let frac = ms % 1000
    let fracText = frac == 0 ? "" : "." + String(frac).leftPadded(to: 3)
    return
      "\(tmv.tm_year + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))T\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))\(fracText)Z"
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
  public static func parse(_ s: String) -> Int64? {
    let b = Array(s.utf8)
    guard b.count >= 20 else { return nil }
    func num(_ from: Int, _ len: Int) -> Int? {
      var v = 0
      for k in from..<(from + len) {
        let d = Int(b[k]) - 48
        guard d >= 0 && d < 10 else { return nil }
        v = v * 10 + d
      }
      return v
    }
    guard let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2), b[7] == UInt8(ascii: "-"),
      let d = num(8, 2),
      b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), let h = num(11, 2), b[13] == UInt8(ascii: ":"),
      let mi = num(14, 2), b[16] == UInt8(ascii: ":"), let sec = num(17, 2),
      (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
    else { return nil }
    var i = 19
    var ms = 0
    if i < b.count && b[i] == UInt8(ascii: ".") {
      i += 1
      var digits = 0
      while i < b.count, b[i] >= 48, b[i] <= 57 {
        if digits < 3 { ms = ms * 10 + Int(b[i]) - 48 }
        digits += 1
        i += 1
      }
      guard digits > 0 else { return nil }
      for _ in digits..<3 where digits < 3 { ms *= 10 }
    }
    var offset = 0
    guard i < b.count else { return nil }
    if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
      i += 1
    } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count >= i + 6, let oh = num(i + 1, 2),
      b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2)
    {
      offset = (oh * 60 + om) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
      i += 6
    } else {
      return nil
    }
    guard i == b.count else { return nil }
    let days = daysFromCivil(y, mo, d)
    let seconds = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + sec) - Int64(offset * 60)
    return seconds * 1000 + Int64(ms)
  }

  /// Days since 1970-01-01 (Howard Hinnant's algorithm).
  static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }
}

/// Durations as users write them: `90s`, `5m`, `1h30m`, `500ms`, `2`.
public enum DurationText {
  /// The longest duration accepted: ten years.
  public static let maxMs: Int64 = 10 * 366 * 86_400_000

  /// Parses to milliseconds; a bare number means seconds.
  ///
  /// Nil for anything negative, not
  /// finite (`inf`, `nan`) or longer than `maxMs`.
  public static func parseMs(_ s: String) -> Int64? {
    guard let ms = parseUnchecked(s), ms.isFinite, ms >= 0, ms <= Double(maxMs) else { return nil }
    return Int64(ms)
  }

  private static func parseUnchecked(_ s: String) -> Double? {
    if let secs = Double(s) { return secs * 1000 }
    var total: Double = 0
    var number = ""
    var unit = ""
    var any = false
    func flush() -> Bool {
      guard let v = Double(number) else { return false }
      let mult: Double
      switch unit {
      case "ms": mult = 1
      case "s": mult = 1000
      case "m": mult = 60_000
      case "h": mult = 3_600_000
      case "d": mult = 86_400_000
      default: return false
      }
      total += v * mult
      number = ""
      unit = ""
      any = true
      return true
    }
    for c in s {
      if c.isNumber || c == "." {
        if !unit.isEmpty { guard flush() else { return nil } }
        number.append(c)
      } else if c.isLetter {
        guard !number.isEmpty else { return nil }
        unit.append(c)
      } else {
        return nil
      }
    }
    guard !number.isEmpty, flush(), any else { return nil }
    return total
  }

  /// `5s`, `2m30s`, `1h`.
  public static func format(ms: Int64) -> String {
    if ms < 1000 { return "\(ms)ms" }
    var s = ms / 1000
    var out = ""
    if s >= 3600 {
      out += "\(s / 3600)h"
      s %= 3600
    }
    if s >= 60 {
      out += "\(s / 60)m"
      s %= 60
    }
    if s > 0 || out.isEmpty { out += "\(s)s" }
    return out
  }
}
