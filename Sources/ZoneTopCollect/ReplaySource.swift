import ZoneTopFiles
import ZoneTopTraffic

/// Replays recorded scrapes at their recorded pace times `speed`, on a virtual clock
/// that the app advances with the real time that passed (tests pass any amount): pause,
/// step and seek included.
///
/// Frames are grouped into rounds by `RoundGrouping`, as
/// `snapshot` groups them, and counted by its own engine.
public final class ReplaySource: MetricsSource, Playback {
  public let source: OfflineSource
  public let intervalMs: Int64
  public let startMs: Int64
  public let endMs: Int64
  public private(set) var virtualMs: Int64
  /// Where the replay clock has got to; frames up to it not yet counted are the backlog.
  private var dueMs: Int64
  /// At most this much real time spent counting frames per `takeUpdates` (nil: no limit), so
  /// a big recording replayed fast never holds the UI thread: the rest waits for the next
  /// call, and the clock shows the last frame counted.
  public var ingestBudgetSeconds: Double?
  /// The budget in the TUI: a key waits at most about this long for the replay.
  public static let interactiveBudget = 0.03
  public var speed = 1.0
  public var isPaused = false
  public let targets: [String]
  private let engineOptions: EngineOptions
  private var engine: TrafficEngine
  private var grouping: RoundGrouping
  private var next = 0
  private var lastIngestedMs: Int64?
  private var lastClosedMs: Int64?
  private var carry = 0.0
  /// What the next update carries.
  private var pending = SourceUpdate()
  private var flowsHandedOver = 0
  private var changed = true
  private var tally = RestartTally()
  /// Problems met while replaying (unreadable bodies), also shown in Health.
  public private(set) var problems: [String] = []

  public init(source: OfflineSource, startAtMs: Int64? = nil, engine: EngineOptions = EngineOptions()) {
    self.source = source
    var engine = engine
    // One exposition file: its totals are counted (there is no second scrape to take rates from).
    engine.countFirstScrape = source.kind == .file
    engineOptions = engine
    self.engine = TrafficEngine(options: engine)
    startMs = source.entries.first?.timeMs ?? 0
    endMs = source.entries.last?.timeMs ?? 0
    var seen = Set<String>()
    targets = source.entries.compactMap { seen.insert($0.target).inserted ? $0.target : nil }
    intervalMs = source.intervalMs
    grouping = RoundGrouping(intervalMs: intervalMs)
    virtualMs = startMs
    dueMs = startMs
    if let s = startAtMs { advance(toMs: s) }
  }

  public var label: String { "replay " + (source.path.split(separator: "/").last.map(String.init) ?? source.path) }
  public var playback: (any Playback)? { self }
  public var isAtEnd: Bool { next >= source.entries.count }
  public var isBehind: Bool { next < source.entries.count && source.entries[next].timeMs <= dueMs }
  public func start() {}
  public func stop() {}

  public func takeUpdates(realSeconds: Double) -> [SourceUpdate] {
    if !isPaused && !isAtEnd {
      carry += realSeconds * speed * 1000
      let whole = Int64(min(carry, 9e15))
      carry -= Double(whole)
      var due = max(dueMs, virtualMs) &+ whole
      // With a budget, the clock runs at most two intervals ahead of the counting.
      if ingestBudgetSeconds != nil { due = min(due, max(virtualMs, lastIngestedMs ?? startMs) &+ 2 * intervalMs) }
      dueMs = min(endMs, due)
    }
    advance(toMs: dueMs, until: ingestBudgetSeconds.map { WallClock.monotonic() + $0 })
    guard changed else { return [] }
    changed = false
    var update = pending
    pending = SourceUpdate()
    let keys = engine.flows.keys
    update.newFlows = Array(keys[flowsHandedOver...])
    update.compaction = engine.compactFlows()
    update.forgottenFlows = engine.forgottenFlows
    flowsHandedOver = engine.flows.count
    update.health = engine.health
    update.restarts = tally.restarts
    update.targetCount = targets.count
    update.nowMs = virtualMs
    return [update]
  }

  /// Ingests every frame up to `ms`, or those it can until `deadline` (monotonic seconds;
  /// at least one frame): the clock then stops at the last one counted.
  public func advance(toMs ms: Int64, until deadline: Double? = nil) {
    var cut = false
    while next < source.entries.count && source.entries[next].timeMs <= ms {
      let e = source.entries[next]
      if grouping.startsRound(atMs: e.timeMs), let last = lastIngestedMs { closeRound(atMs: last) }
      ingest(e)
      lastIngestedMs = e.timeMs
      next += 1
      if let deadline, WallClock.monotonic() >= deadline {
        cut = next < source.entries.count && source.entries[next].timeMs <= ms
        break
      }
    }
    if isAtEnd, let last = lastIngestedMs, lastClosedMs != last { closeRound(atMs: last) }
    let before = virtualMs
    virtualMs = max(virtualMs, min(cut ? (lastIngestedMs ?? ms) : ms, endMs))
    dueMs = max(dueMs, virtualMs)
    if virtualMs != before { changed = true }
  }

  private func closeRound(atMs ms: Int64) {
    pending.rounds.append(engine.takeRound(endMs: ms))
    lastClosedMs = ms
    changed = true
  }

  public func step(_ rounds: Int) {
    let target = virtualMs &+ Int64(rounds) * intervalMs
    if rounds >= 0 {
      advance(toMs: target)
    } else {
      seek(toMs: max(startMs, target))
    }
  }

  /// Replays from the start up to `ms` (the next update tells the app to start over).
  public func seek(toMs ms: Int64) {
    engine = TrafficEngine(options: engineOptions)
    tally = RestartTally()
    grouping = RoundGrouping(intervalMs: intervalMs)
    next = 0
    lastIngestedMs = nil
    lastClosedMs = nil
    flowsHandedOver = 0
    pending = SourceUpdate()
    pending.resets = true
    virtualMs = startMs
    dueMs = startMs
    advance(toMs: ms)
    virtualMs = min(max(ms, startMs), endMs)
    dueMs = virtualMs
    changed = true
  }

  private func ingest(_ e: OfflineSource.Entry) {
    if !e.isSuccess {
      engine.recordFailure(target: e.target, timeMs: e.timeMs, error: e.error ?? "HTTP \(e.status)")
      return
    }
    do {
      let health = try source.withBody(e) { body in
        engine.ingest(target: e.target, timeMs: e.timeMs, body: body, contentType: e.contentType)
      }
      tally.note(health)
      // The body's pages of the mapped recording go back: resident memory follows the replay.
      source.release(e)
    } catch {
      problems.append("\(error)")
      engine.recordFailure(target: e.target, timeMs: e.timeMs, error: "\(error)")
    }
  }
}
