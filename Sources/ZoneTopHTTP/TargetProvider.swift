import ZoneTopTraffic

/// Where a live feed's targets come from: a fixed list of URLs, or discovery
/// (`--kube`).
///
/// Asked on the collection thread before every poll.
public protocol TargetProvider: AnyObject, Sendable {
  func refresh(nowMs: Int64) -> TargetRefresh
}

/// The targets of the next poll and how to reach them.
public struct TargetRefresh: Sendable {
  public var targets: [ScrapeTarget]
  public var http: HTTPOptions
  /// Targets now answered by a new process (a ztunnel pod created on its node), with its start time.
  public var replaced: [(name: String, startMs: Int64)] = []
  public var discovery: DiscoveryStatus?

  public init(
    targets: [ScrapeTarget], http: HTTPOptions, replaced: [(name: String, startMs: Int64)] = [],
    discovery: DiscoveryStatus? = nil
  ) {
    self.targets = targets
    self.http = http
    self.replaced = replaced
    self.discovery = discovery
  }
}

/// A fixed list of URLs.
public final class StaticTargets: TargetProvider {
  let refresh: TargetRefresh
  public init(urls: [String], http: HTTPOptions) {
    refresh = TargetRefresh(targets: urls.map(ScrapeTarget.init(url:)), http: http)
  }
  public func refresh(nowMs: Int64) -> TargetRefresh { refresh }
}

/// The lines of a `--targets-file`: one URL a line.
public enum TargetsFile {
  /// The URLs in a targets file, in order.
  ///
  /// Lines end in LF or CRLF (a file saved on Windows); blank lines,
  /// lines starting with `#` and spaces or tabs around a URL are ignored, as is a UTF-8 byte
  /// order mark. Split as bytes: as Swift characters `"\r\n"` is one, so splitting a String
  /// on `"\n"` left a CRLF file as a single line.
  public static func urls(_ bytes: [UInt8]) -> [String] {
    var text = bytes[...]
    if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
    var urls: [String] = []
    for line in text.split(separator: 0x0A, omittingEmptySubsequences: true) {
      var s = line
      while let f = s.first, f == 0x20 || f == 0x09 || f == 0x0D { s = s.dropFirst() }
      while let l = s.last, l == 0x20 || l == 0x09 || l == 0x0D { s = s.dropLast() }
      if s.isEmpty || s.first == UInt8(ascii: "#") { continue }
      urls.append(String(decoding: s, as: UTF8.self))
    }
    return urls
  }
}
