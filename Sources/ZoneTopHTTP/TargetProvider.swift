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
