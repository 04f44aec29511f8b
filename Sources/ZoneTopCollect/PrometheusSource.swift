import Synchronization
import ZoneTopExposition
import ZoneTopHTTP
import ZoneTopTraffic

/// The TUI fed by Prometheus-compatible APIs: on a collection thread, one range query a
/// refresh on every server at once (every family in it); the servers' per-flow increases
/// are summed step by step, and each merged window replaces the last (a round per step).
///
/// The first refresh asks for the whole window; later ones only for the steps that are new
/// or younger than `settleMs` (the newest data can still arrive late: VictoriaMetrics hides
/// the last 30 s), keeping the older steps and dropping those that left the window. The
/// steps lie on one grid from the first refresh, so a refresh between two grid points asks
/// nothing new beyond the unsettled steps.
///
/// Each server is read from the recorded series of `zonetop rules` when they cover the
/// window (checked at the start and whenever the whole window is asked again), else from
/// the raw ones; the label says which. While a query runs longer than two seconds, Health
/// says so ("query running for 12 s of 60 s"); until a server has answered once it is shown
/// down with that text, never as an empty, complete window. A server that fails keeps its
/// steps that are still in the window and shows its error in Health; the others go on.
public final class PrometheusSource: MetricsSource, Sendable {
  public let intervalMs: Int64
  let servers: PrometheusServers
  let windowMs: Int64
  let stepMs: Int64
  let namespace: String?
  /// Steps younger than this when asked are asked again at the next refresh.
  let settleMs: Int64
  /// The series every server is read from, or nil to check each server (auto).
  let forcedKind: PrometheusClient.SeriesKind?
  private let clock: any CollectionClock
  private let inbox = Mutex<[SourceUpdate]>([])
  private let collector = CollectionThread()
  /// Which series each server is read from (nil until checked).
  private let kinds = Mutex<[PrometheusClient.SeriesKind]?>(nil)
  /// The health last handed over, and when a progress update was last sent.
  private let shown = Mutex<(health: [TargetHealth], nowMs: Int64, lastProgress: Double)>(([], 0, 0))

  /// `stepMs` must be at least twice the servers' scrape interval so each step has two samples.
  public init(
    servers: PrometheusServers, intervalMs: Int64, windowMs: Int64, stepMs: Int64, namespace: String?,
    series forcedKind: PrometheusClient.SeriesKind? = nil, settleMs: Int64 = 35_000,
    clock: any CollectionClock = SystemClock()
  ) {
    self.forcedKind = forcedKind
    self.servers = servers
    self.intervalMs = intervalMs
    self.windowMs = windowMs
    self.stepMs = stepMs
    self.namespace = namespace
    self.settleMs = settleMs
    self.clock = clock
  }

  public var label: String {
    let first = servers.clients.first.map { TargetName.short($0.baseURL) } ?? ""
    let base = "prometheus " + first + (servers.clients.count > 1 ? " +\(servers.clients.count - 1)" : "")
    guard let kinds = kinds.withLock({ $0 }) else { return base }
    let recorded = kinds.filter { $0 == .recorded }.count
    if recorded == kinds.count { return base + " (recorded rules)" }
    if recorded == 0 { return base + " (raw series)" }
    return base + " (recorded rules on \(recorded) of \(kinds.count))"
  }
  public var playback: (any Playback)? { nil }

  /// Which series each server is read from, once checked.
  public var seriesKinds: [PrometheusClient.SeriesKind]? { kinds.withLock { $0 } }

  public func start() {
    // Checked before the thread starts so the header can say it; a server that does not
    // answer within 5 s is read raw until the next check.
    detectKinds(endMs: clock.nowMs(), patience: 5)
    shown.withLock { $0.health = servers.clients.map { TargetHealth(target: $0.baseURL) } }
    collector.start(name: "zonetop-prometheus") { [self] in
      var health = servers.clients.map { TargetHealth(target: $0.baseURL) }
      // Each server's steps, and the newest step it answered that was settled when asked.
      var last: [[(Int64, [(FlowKey, Counts)])]] = Array(repeating: [], count: servers.clients.count)
      var settled: [Int64?] = Array(repeating: nil, count: servers.clients.count)
      var grid: Int64?
      while !collector.isStopping {
        let now = clock.nowMs()
        let windowStart = now - windowMs
        let anchor = grid ?? now
        grid = anchor
        let plan = Self.plan(nowMs: now, anchorMs: anchor, windowMs: windowMs, stepMs: stepMs, settled: settled)
        if let (start, end) = plan.range {
          if plan.isWholeWindow { detectKinds(endMs: now, patience: 10) }
          let kinds = self.kinds.withLock { $0 } ?? []
          let outcomes = servers.rounds(
            startMs: start, endMs: end, stepMs: stepMs, namespace: namespace, kinds: kinds,
            progress: { [self] i, seconds in reportProgress(server: i, seconds: seconds) })
          for (i, outcome) in outcomes.enumerated() {
            outcome.update(&health[i], nowMs: now)
            if let rounds = outcome.value {
              last[i].removeAll { $0.0 >= start - stepMs / 2 }
              for (t, flows) in rounds {
                // On the grid; a server that rounds the start down answers a step before it, already kept.
                let snapped = anchor + PrometheusServers.floorDiv(t - anchor + stepMs / 2, stepMs) * stepMs
                if snapped >= start && snapped <= end { last[i].append((snapped, flows)) }
              }
              settled[i] = Self.settledStep(
                after: settled[i], nowMs: now, endMs: end, anchorMs: anchor, stepMs: stepMs, settleMs: settleMs)
            }
            last[i].removeAll { $0.0 - stepMs < windowStart }
            last[i].sort { $0.0 < $1.0 }
          }
          var update = SourceUpdate()
          if health.contains(where: { $0.scrapes > 0 }) {
            var history = TrafficHistory(maxRounds: Int.max)
            for (t, deltas) in PrometheusServers.mergeRounds(last, startMs: anchor, stepMs: stepMs) {
              history.append(startMs: t - stepMs, endMs: t, deltas: deltas)
            }
            update.resets = true
            update.newFlows = history.flows.keys
            update.rounds = history.rounds
          }
          update.health = health
          update.targetCount = health.count
          update.nowMs = end
          shown.withLock { $0 = (health, end, $0.lastProgress) }
          inbox.withLock { $0.append(update) }
        }
        let until = clock.nowMs() + intervalMs
        while clock.nowMs() < until && !collector.isStopping { clock.sleep(ms: min(100, until - clock.nowMs())) }
      }
    }
  }

  /// The steps a refresh at `nowMs` asks for, as the grid points (step ends) `start...end`
  /// on the grid `anchorMs + k * stepMs`; nil when no step is new or unsettled.
  ///
  /// `settled` has, per server, the newest step it answered that was settled when asked
  /// (nil: none yet). The range starts after the oldest of them, never before the window's
  /// first step, and ends at the newest grid point; it is the whole window when a server has
  /// nothing settled in it.
  package static func plan(nowMs: Int64, anchorMs: Int64, windowMs: Int64, stepMs: Int64, settled: [Int64?]) -> (
    range: (Int64, Int64)?, isWholeWindow: Bool
  ) {
    let end = anchorMs + PrometheusServers.floorDiv(nowMs - anchorMs, stepMs) * stepMs
    // The oldest grid point whose step [t - step, t] lies in the window.
    let oldest =
      anchorMs + PrometheusServers.floorDiv(nowMs - windowMs - anchorMs + stepMs - 1, stepMs) * stepMs + stepMs
    let next = settled.map { $0.map { $0 + stepMs } ?? Int64.min }.min() ?? oldest
    let start = max(oldest, next)
    return (start <= end ? (start, end) : nil, start == oldest)
  }

  /// The newest settled step after an answer at `nowMs` that ended at `endMs`: steps that
  /// ended at least `settleMs` before it.
  package static func settledStep(
    after previous: Int64?, nowMs: Int64, endMs: Int64, anchorMs: Int64, stepMs: Int64, settleMs: Int64
  ) -> Int64 {
    let final = anchorMs + PrometheusServers.floorDiv(nowMs - settleMs - anchorMs, stepMs) * stepMs
    return min(endMs, max(final, previous ?? Int64.min))
  }

  /// Checks which series each server has for the window; gives up on a server after `patience` seconds.
  private func detectKinds(endMs: Int64, patience: Double) {
    if let forcedKind {
      kinds.withLock { $0 = servers.clients.map { _ in forcedKind } }
      return
    }
    let found = servers.seriesKinds(endMs: endMs, rangeMs: windowMs) { [self] _, s in
      s > patience || collector.isStopping
    }
    kinds.withLock { $0 = found.map(\.kind) }
  }

  /// Hands over a health update saying that server `i`'s query is still running, at most
  /// once a second and only after two; true (abandon the query) once the source stops.
  private func reportProgress(server i: Int, seconds: Double) -> Bool {
    if collector.isStopping { return true }
    guard seconds >= 2 else { return false }
    let now = WallClock.monotonic()
    let update: SourceUpdate? = shown.withLock { s in
      guard now - s.lastProgress >= 1, i < s.health.count else { return nil }
      s.lastProgress = now
      let limit = NumberText.fixed(Double(servers.clients[i].timeoutMs) / 1000, 0)
      let running = "query running for \(NumberText.fixed(seconds, 0)) s of \(limit) s (--query-timeout)"
      var u = SourceUpdate()
      u.health = s.health
      if u.health[i].scrapes == 0 {
        u.health[i].up = false
        u.health[i].lastError = running
      } else {
        u.health[i].lastError = "refreshing: " + running
      }
      u.targetCount = u.health.count
      u.nowMs = s.nowMs
      return u
    }
    if let update { inbox.withLock { $0.append(update) } }
    return false
  }

  /// Stops querying (a query still running is abandoned); returns once the collection thread has ended.
  public func stop() { collector.stop() }

  public func takeUpdates(realSeconds: Double) -> [SourceUpdate] {
    inbox.withLock { q in
      defer { q.removeAll() }
      return q
    }
  }
}
