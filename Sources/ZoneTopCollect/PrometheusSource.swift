import Synchronization
import ZoneTopHTTP
import ZoneTopTraffic

/// The TUI fed by Prometheus-compatible APIs: every interval, on a collection thread,
/// one range query a family over the window on every server at once; the servers'
/// per-flow increases are summed step by step, and each merged answer replaces the whole
/// window (a round per step).
///
/// A server that fails keeps its last answer's steps that are still in the window (they
/// remain true; only its newest steps are missing) and shows its error in Health; the
/// others' data goes on.
public final class PrometheusSource: MetricsSource, Sendable {
  public let intervalMs: Int64
  let servers: PrometheusServers
  let windowMs: Int64
  let stepMs: Int64
  let namespace: String?
  private let clock: any CollectionClock
  private let inbox = Mutex<[SourceUpdate]>([])
  private let collector = CollectionThread()

  /// `stepMs` must be at least twice the servers' scrape interval so each step has two samples.
  public init(
    servers: PrometheusServers, intervalMs: Int64, windowMs: Int64, stepMs: Int64, namespace: String?,
    clock: any CollectionClock = SystemClock()
  ) {
    self.servers = servers
    self.intervalMs = intervalMs
    self.windowMs = windowMs
    self.stepMs = stepMs
    self.namespace = namespace
    self.clock = clock
  }

  public var label: String {
    let first = servers.clients.first.map { TargetName.short($0.baseURL) } ?? ""
    return "prometheus " + first + (servers.clients.count > 1 ? " +\(servers.clients.count - 1)" : "")
  }
  public var playback: (any Playback)? { nil }

  public func start() {
    collector.start(name: "zonetop-prometheus") { [self] in
      // The API servers, as the Health view's targets.
      var health = servers.clients.map { TargetHealth(target: $0.baseURL) }
      // Each server's last answer, kept while it fails.
      var last: [[(Int64, [(FlowKey, Counts)])]] = Array(repeating: [], count: servers.clients.count)
      while !collector.isStopping {
        let end = clock.nowMs()
        let start = end - windowMs
        let outcomes = servers.rounds(startMs: start, endMs: end, stepMs: stepMs, namespace: namespace)
        for (i, outcome) in outcomes.enumerated() {
          outcome.update(&health[i], nowMs: end)
          if let rounds = outcome.value {
            last[i] = rounds
          } else {
            last[i].removeAll { $0.0 - stepMs < start }
          }
        }
        var update = SourceUpdate()
        if outcomes.contains(where: { $0.value != nil }) {
          var history = TrafficHistory(maxRounds: Int.max)
          for (t, deltas) in PrometheusServers.mergeRounds(last, startMs: start, stepMs: stepMs) {
            history.append(startMs: t - stepMs, endMs: t, deltas: deltas)
          }
          update.resets = true
          update.newFlows = history.flows.keys
          update.rounds = history.rounds
        }
        update.health = health
        update.targetCount = health.count
        update.nowMs = end
        inbox.withLock { $0.append(update) }
        let until = clock.nowMs() + intervalMs
        while clock.nowMs() < until && !collector.isStopping { clock.sleep(ms: min(100, until - clock.nowMs())) }
      }
    }
  }

  /// Stops querying; returns once the collection thread has ended.
  public func stop() { collector.stop() }

  public func takeUpdates(realSeconds: Double) -> [SourceUpdate] {
    inbox.withLock { q in
      defer { q.removeAll() }
      return q
    }
  }
}
