import ZoneTopExposition
import ZoneTopHTTP
import ZoneTopTraffic

/// Finds ztunnel pods through the API server and lists one target per node, named by
/// the node: scraped through the API server's pod proxy, or at the pod IP with
/// `direct`.
///
/// Pods are listed again every `relistMs`, so rollouts and new nodes are
/// followed; a pod whose ztunnel started since the last listing is counted from zero.
public final class KubeDiscovery: TargetProvider, @unchecked Sendable {
  public struct Options: Sendable {
    public var namespace = "istio-system"
    public var selector = "app=ztunnel"
    public var direct = false
    /// ztunnel's metrics port.
    public var port = 15020
    public var relistMs: Int64 = 30_000
    public init() {}
  }

  public let api: KubeAPI
  public let options: Options
  private let scrape: HTTPOptions
  // Touched only from the collection thread.
  private var targets: [ScrapeTarget] = []
  private var podOfNode: [String: String] = [:]
  private var lastListMs: Int64?
  private var status: DiscoveryStatus

  /// `scrape` carries the scrape timeouts, size limit and Accept header.
  public init(api: KubeAPI, options: Options, scrape: HTTPOptions) {
    self.api = api
    self.options = options
    self.scrape = scrape
    status = DiscoveryStatus(summary: "listing ztunnel pods (\(options.selector)) in \(options.namespace)...")
  }

  /// The scrape timeouts, size limit and Accept header targets are fetched with.
  public var scrapeOptions: HTTPOptions { scrape }

  /// `context NAME (SERVER)`: which cluster a message is about.
  public var contextLabel: String { "context \(api.auth.context.name) (\(Sanitize.short(api.auth.context.server)))" }

  /// Targets found by the last listing.
  public var targetCount: Int { targets.count }

  /// The first listing, before polling starts: its failure (no access, wrong
  /// credentials, no ztunnel) is the caller's to report.
  public func start(nowMs: Int64 = WallClock.nowMs()) throws(KubeError) -> [ScrapeTarget] {
    _ = try list(nowMs: nowMs)
    guard !targets.isEmpty else {
      throw KubeError(
        "no running pod matches \(options.selector) in namespace \(options.namespace) (context \(api.auth.context.name)); "
          + "is Istio's ambient mode installed? See --kube-namespace and --kube-selector")
    }
    return targets
  }

  /// Lists pods (and nodes and services) when due; returns the targets to poll now.
  public func refresh(nowMs: Int64) -> TargetRefresh {
    var replaced: [(name: String, startMs: Int64)] = []
    if lastListMs.map({ nowMs - $0 >= options.relistMs }) ?? true {
      do { replaced = try list(nowMs: nowMs) } catch {
        // Keep polling the pods found before.
        status.error = error.description
      }
    }
    var http = scrape
    if !options.direct {
      do { http = try api.auth.httpOptions(scrape, nowMs: nowMs) } catch { status.error = error.description }
    }
    return TargetRefresh(targets: targets, http: http, replaced: replaced, discovery: status)
  }

  private func list(nowMs: Int64) throws(KubeError) -> [(name: String, startMs: Int64)] {
    let pods = try api.pods(namespace: options.namespace, selector: options.selector)
    let previous = lastListMs
    lastListMs = nowMs
    var replaced: [(name: String, startMs: Int64)] = []
    var next: [String: String] = [:]
    targets = Self.onePerNode(pods).map { pod in
      next[pod.node] = pod.uid
      // A new pod on the node whose ztunnel started since the last listing (5 s allowed for
      // clock skew) counted from zero: everything it reports is new traffic.
      if let previous, podOfNode[pod.node] != pod.uid, pod.startedMs >= previous - 5_000 {
        replaced.append((pod.node, pod.startedMs))
      }
      let url =
        options.direct
        ? "http://\(pod.podIP.contains(":") ? "[\(pod.podIP)]" : pod.podIP):\(options.port)/metrics"
        : api.proxyURL(pod, port: options.port, path: "/metrics")
      return ScrapeTarget(name: pod.node, url: url)
    }
    podOfNode = next
    status.error = nil
    var problems: [String] = []
    do {
      let all = try api.nodes()
      status.nodes = Dictionary(
        uniqueKeysWithValues: targets.map {
          ($0.name, all[$0.name] ?? NodeLocality(node: $0.name, zone: nil, region: nil))
        })
    } catch { problems.append("listing nodes: \(error.description)") }
    do { status.services = try api.serviceRouting() } catch {
      problems.append("listing services: \(error.description)")
    }
    if !problems.isEmpty { status.error = problems.joined(separator: "; ") }
    status.summary =
      "\(targets.count) ztunnel pod\(targets.count == 1 ? "" : "s") (\(options.selector) in \(options.namespace)) "
      + "via \(options.direct ? "pod IPs" : "pod proxy"), context \(api.auth.context.name), listed \(RFC3339.format(ms: nowMs / 1000 * 1000))"
    return replaced
  }

  /// One pod a node: the newest ready one (during a rollout the new pod takes the node's new
  /// connections), else the newest running one.
  static func onePerNode(_ pods: [ZtunnelPod]) -> [ZtunnelPod] {
    var best: [String: ZtunnelPod] = [:]
    for p in pods {
      if let b = best[p.node], (b.ready ? 1 : 0, b.createdMs, b.name) >= (p.ready ? 1 : 0, p.createdMs, p.name) {
        continue
      }
      best[p.node] = p
    }
    return best.values.sorted { $0.node < $1.node }
  }
}
