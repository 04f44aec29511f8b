import Synchronization
import ZoneTopHTTP
import ZoneTopTraffic

/// The TUI fed by a Prometheus-compatible API: every interval, on a collection thread,
/// one range query a family over the window; each answer replaces the whole window (a
/// round per step).
public final class PrometheusSource: MetricsSource, Sendable {
  public let intervalMs: Int64
  let client: PrometheusClient
  let windowMs: Int64
  let stepMs: Int64
  let namespace: String?
  private let clock: any CollectionClock
  private let inbox = Mutex<[SourceUpdate]>([])
  private let collector = CollectionThread()

  /// `stepMs` must be at least twice the server's scrape interval so each step has two samples.
  public init(
    client: PrometheusClient, intervalMs: Int64, windowMs: Int64, stepMs: Int64, namespace: String?,
    clock: any CollectionClock = SystemClock()
  ) {
    self.client = client
    self.intervalMs = intervalMs
    self.windowMs = windowMs
    self.stepMs = stepMs
    self.namespace = namespace
    self.clock = clock
  }

  public var label: String { "prometheus " + TargetName.short(client.baseURL) }
  public var playback: (any Playback)? { nil }

  public func start() {
    collector.start(name: "zonetop-prometheus") { [self] in
      // The API server, as the Health view's only target.
      var health = TargetHealth(target: client.baseURL)
      while !collector.isStopping {
        let t0 = WallClock.monotonic()
        let end = clock.nowMs()
        var update = SourceUpdate()
        do {
          var skipped = PrometheusClient.Skipped()
          let rounds = try client.rounds(
            startMs: end - windowMs, endMs: end, stepMs: stepMs, namespace: namespace, skipped: &skipped)
          var history = TrafficHistory(maxRounds: Int.max)
          for (t, deltas) in rounds { history.append(startMs: t - stepMs, endMs: t, deltas: deltas) }
          update.resets = true
          update.newFlows = history.flows.keys
          update.rounds = history.rounds
          health.up = true
          health.lastError = nil
          health.scrapes += 1
          health.lastScrapeMs = end
          health.series = rounds.last?.1.count ?? 0
          // Values that are not counts (NaN, +Inf, negative, 2^64 and more): shown in Health.
          health.invalidCounterValues = skipped.values
          health.lastParseIssue = skipped.notes.first
        } catch {
          health.up = false
          health.failures += 1
          health.consecutiveFailures += 1
          health.lastError = "\(error)"
        }
        health.lastLatency = WallClock.monotonic() - t0
        update.health = [health]
        update.targetCount = 1
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
