import Foundation
import Synchronization
import ZoneTopCore

/// Where a live feed's targets come from: a fixed list of URLs, or discovery
/// (`--kube`). Asked on the collection thread before every poll.
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

  public init(targets: [ScrapeTarget], http: HTTPOptions, replaced: [(name: String, startMs: Int64)] = [], discovery: DiscoveryStatus? = nil) {
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

/// Live polling of ztunnel targets on a collection thread of its own: each
/// interval every target is fetched at once (libcurl multi), recorded, parsed and
/// counted as soon as its body is complete, then dropped; a poll that runs past the
/// interval makes the next one wait for the following boundary (skipped, never
/// queued); targets that keep failing back off. Each round reaches the UI thread as
/// a value (per-flow increases and target health) through `tick`.
public final class LiveFeed: MetricsFeed, @unchecked Sendable {
  public let history = TrafficHistory()
  public let intervalMs: Int64
  private let provider: TargetProvider
  private let engine: TrafficEngine
  private let inbox = Mutex<[RoundUpdate]>([])
  private var health: [TargetHealth] = []

  /// One poll, as the collection thread hands it over.
  struct RoundUpdate: Sendable {
    var timeMs: Int64
    var deltas: [(FlowKey, Counts)]
    var health: [TargetHealth]
    var recordingError: String?
    var targetCount: Int
    var discovery: DiscoveryStatus?
  }
  private let collector = CollectionThread()
  private let recorder: RecordingWriter?
  /// Problems writing the recording (shown by the caller).
  public private(set) var recordingError: String?
  public private(set) var rounds = 0
  public private(set) var targetCount: Int
  public private(set) var discovery: DiscoveryStatus?
  private let fixedLabel: String?

  /// Polls a fixed list of URLs.
  public convenience init(targets: [String], intervalMs: Int64, http: HTTPOptions, recordTo: RecordingWriter? = nil,
                          engine: EngineOptions = EngineOptions()) {
    self.init(provider: StaticTargets(urls: targets, http: http), intervalMs: intervalMs, recordTo: recordTo,
              label: targets.count == 1 ? Renderer.shortTarget(targets[0]) : nil, targetCount: targets.count, engine: engine)
  }

  /// Polls what `provider` lists each round; `label` names the source in the header
  /// (default: the number of ztunnels).
  public init(provider: TargetProvider, intervalMs: Int64, recordTo: RecordingWriter? = nil, label: String? = nil, targetCount: Int = 0,
              engine: EngineOptions = EngineOptions()) {
    self.provider = provider
    self.engine = TrafficEngine(options: engine)
    self.intervalMs = intervalMs
    recorder = recordTo
    fixedLabel = label
    self.targetCount = targetCount
  }

  public var label: String { fixedLabel ?? "\(targetCount) ztunnel\(targetCount == 1 ? "" : "s")" }
  public var isReplay: Bool { false }
  public var nowMs: Int64 { WallClock.nowMs() }

  /// Starts polling on a background thread.
  public func start() { collector.start(name: "zonetop-poller") { [self] in pollLoop() } }

  /// Stops polling; returns once the collection thread has ended.
  public func stop() { collector.stop() }

  private func pollLoop() {
    var backoff: [String: (failures: Int, nextMs: Int64)] = [:]
    var next = WallClock.nowMs()
    var known: [String: String] = [:]  // target name -> URL
    while !collector.isStopping {
      let now = WallClock.nowMs()
      if now < next {
        usleep(UInt32(min(100, next - now)) * 1000)
        continue
      }
      let refresh = provider.refresh(nowMs: now)
      let current = Dictionary(refresh.targets.map { ($0.name, $0.url) }, uniquingKeysWith: { a, _ in a })
      for (name, url) in known where current[name] != url {
        // Gone, or answered elsewhere now (a new pod on the node): no backoff carried over.
        backoff[name] = nil
        if current[name] == nil { engine.removeTarget(name) }
      }
      known = current
      for r in refresh.replaced { engine.restartTarget(r.name, atMs: r.startMs) }
      let due = refresh.targets.filter { (backoff[$0.name]?.nextMs ?? 0) <= now }
      var recordingError: String?
      var latest = now
      Poller(options: refresh.http).fetch(due, cancelled: { collector.isStopping }) { _, r in
        if let recorder {
          do { try recorder.append(r.frame) } catch { recordingError = "\(error)" }
        }
        r.body.withUnsafeBytes { body in
          if r.isSuccess {
            engine.ingest(target: r.target, timeMs: r.startMs, body: body, contentType: r.contentType, latency: r.latency)
          } else {
            engine.recordFailure(target: r.target, timeMs: r.startMs, error: r.error ?? "HTTP \(r.status)", latency: r.latency)
          }
        }
        latest = max(latest, r.startMs)
        if r.isSuccess {
          backoff[r.target] = nil
        } else {
          let failures = (backoff[r.target]?.failures ?? 0) + 1
          // 1, 2, 4, ... intervals, at most 60 s, after the second failure in a row.
          let wait = failures < 2 ? 0 : min(60_000, intervalMs << min(failures - 2, 6))
          backoff[r.target] = (failures, now + wait)
        }
      }
      let deltas = engine.takeDeltas().map { (engine.flows[$0.0], $0.1) }
      let update = RoundUpdate(timeMs: latest, deltas: deltas, health: engine.health, recordingError: recordingError,
                               targetCount: refresh.targets.count, discovery: refresh.discovery)
      inbox.withLock { $0.append(update) }
      // The next poll starts at the next interval boundary after this one ends.
      next += intervalMs
      let end = WallClock.nowMs()
      while next <= end { next += intervalMs }
    }
  }

  /// Moves finished polls into the history; returns whether any arrived.
  public func tick(realSeconds: Double) -> Bool {
    let updates = inbox.withLock { q -> [RoundUpdate] in
      defer { q.removeAll() }
      return q
    }
    for u in updates {
      history.appendRound(startMs: history.rounds.last?.endMs ?? u.timeMs, endMs: u.timeMs, deltas: u.deltas)
      health = u.health
      targetCount = u.targetCount
      discovery = u.discovery
      if let e = u.recordingError { recordingError = e }
      rounds += 1
    }
    return !updates.isEmpty
  }

  public var targetHealth: [TargetHealth] { health }

  public func setPaused(_ paused: Bool) {}
  public func setSpeed(_ speed: Double) {}
  public func step(_ rounds: Int) {}
}
