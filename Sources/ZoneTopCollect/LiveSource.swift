import Synchronization
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// Live polling of ztunnel targets on a collection thread of its own: each interval
/// every target is fetched at once (libcurl multi), recorded, parsed and counted as soon
/// as its body is complete, then dropped; a poll that runs past the interval makes the
/// next one wait for the following boundary (skipped, never queued); targets that keep
/// failing back off.
///
/// Each poll reaches the app as one `SourceUpdate`.
/// Unchecked: the recorder is used only on the collection thread; the rest is immutable or a Mutex.
public final class LiveSource: MetricsSource, @unchecked Sendable {
  public let intervalMs: Int64
  private let provider: TargetProvider
  private let recorder: RecordingWriter?
  private let clock: any CollectionClock
  private let engineOptions: EngineOptions
  private let inbox = Mutex<[SourceUpdate]>([])
  private let collector = CollectionThread()
  public let label: String

  /// Polls what `provider` lists each round; `label` names the source in the header.
  public init(
    provider: TargetProvider, intervalMs: Int64, label: String, recordTo: RecordingWriter? = nil,
    engine: EngineOptions = EngineOptions(), clock: any CollectionClock = SystemClock()
  ) {
    self.provider = provider
    self.intervalMs = intervalMs
    self.label = label
    recorder = recordTo
    engineOptions = engine
    self.clock = clock
  }

  public var playback: (any Playback)? { nil }

  /// Starts polling on a background thread.
  public func start() { collector.start(name: "zonetop-poller") { [self] in pollLoop() } }

  /// Stops polling; returns once the collection thread has ended.
  public func stop() { collector.stop() }

  public func takeUpdates(realSeconds: Double) -> [SourceUpdate] {
    inbox.withLock { q in
      defer { q.removeAll() }
      return q
    }
  }

  private func pollLoop() {
    var pipeline: ScrapePipeline?
    let engine = TrafficEngine(options: engineOptions, lanes: ScrapePipeline.lanesForThisMachine)
    var backoff: [String: (failures: Int, nextMs: Int64)] = [:]
    var next = clock.nowMs()
    var known: [String: String] = [:]  // target name -> URL
    var flowsHandedOver = 0
    var recordingFailed = false
    var tally = RestartTally()
    while !collector.isStopping {
      let now = clock.nowMs()
      if now < next {
        clock.sleep(ms: min(100, next - now))
        continue
      }
      let refresh = provider.refresh(nowMs: now)
      let current = Dictionary(refresh.targets.map { ($0.name, $0.url) }, uniquingKeysWith: { a, _ in a })
      for (name, url) in known where current[name] != url {
        // Gone, or answered elsewhere now (a new pod on the node): no backoff carried over.
        backoff[name] = nil
        if current[name] == nil {
          engine.removeTarget(name)
          tally.remove(name)
        }
      }
      known = current
      for r in refresh.replaced { engine.restartTarget(r.name, atMs: r.startMs) }
      let due = refresh.targets.filter { (backoff[$0.name]?.nextMs ?? 0) <= now }
      var update = SourceUpdate()
      var latest = now
      // One pipeline (and its buffers) for as long as the number of transfers in flight holds.
      if pipeline?.transfers != refresh.http.maxConcurrent {
        pipeline = ScrapePipeline(engine: engine, recordTo: recorder, transfers: refresh.http.maxConcurrent)
      }
      let stopping = { self.collector.isStopping }
      // The round ends within its interval, whatever hung targets do.
      let deadline = WallClock.monotonic() + Double(intervalMs) / 1000
      // Force unwrap: set just above.
      // swift-format-ignore: NeverForceUnwrap
      let (outcomes, recordingError) = pipeline!.run(due, http: refresh.http, deadline: deadline, cancelled: stopping)
      if let recordingError, !recordingFailed {
        recordingFailed = true
        update.problems.append("recording stopped: \(recordingError)")
      }
      for r in outcomes {
        tally.note(r.health)
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
      update.rounds = [engine.takeRound(endMs: latest)]
      let keys = engine.flows.keys
      update.newFlows = Array(keys[flowsHandedOver...])
      update.compaction = engine.compactFlows()
      update.forgottenFlows = engine.forgottenFlows
      flowsHandedOver = engine.flows.count
      update.health = engine.health
      update.restarts = tally.restarts
      update.targetCount = refresh.targets.count
      update.discovery = refresh.discovery
      update.nowMs = latest
      inbox.withLock { $0.append(update) }
      // The next poll starts at the next interval boundary after this one ends.
      next += intervalMs
      let end = clock.nowMs()
      while next <= end { next += intervalMs }
    }
  }
}

extension TrafficEngine {
  /// Counts one fetch: its body when it succeeded, else the failure with its reason; returns
  /// the target's health after it.
  @discardableResult
  public func ingest(_ r: ScrapeResult, lane: Int = 0) -> TargetHealth {
    r.body.withUnsafeBytes { body in
      if r.isSuccess {
        ingest(
          target: r.target, timeMs: r.startMs, body: body, contentType: r.contentType, latency: r.latency, lane: lane)
      } else {
        recordFailure(target: r.target, timeMs: r.startMs, error: r.error ?? "HTTP \(r.status)", latency: r.latency)
      }
    }
    return noteWireBytes(r.wireBytes, target: r.target)
  }
}

extension ScrapeResult {
  /// The result as a recording frame.
  public var frame: Frame {
    Frame(target: target, timeMs: startMs, status: status, contentType: contentType, error: error, body: body)
  }
}

extension LiveSource {
  /// Polls a fixed list of URLs.
  public convenience init(
    urls: [String], intervalMs: Int64, http: HTTPOptions, recordTo: RecordingWriter? = nil,
    engine: EngineOptions = EngineOptions()
  ) {
    let label = urls.count == 1 ? TargetName.short(urls[0]) : "\(urls.count) ztunnels"
    self.init(
      provider: StaticTargets(urls: urls, http: http), intervalMs: intervalMs, label: label, recordTo: recordTo,
      engine: engine)
  }
}
