import ZoneTopFiles
import ZoneTopTraffic

/// Replays recorded scrapes at their recorded pace times `speed`, on a virtual clock
/// that the app advances with the real time that passed (tests pass any amount): pause,
/// step and seek included.
///
/// Frames are grouped into rounds by `RoundGrouping`, as `snapshot` groups them, and
/// counted by its own engine. The rounds' first frames are indexed when the replay opens,
/// so a seek starts counting near where it lands: stepping back into rounds the app still
/// holds drops the newer ones and re-reads one frame per target; any other seek counts
/// only the `seekHistoryRounds` before the point. Either way the counting happens in
/// `takeUpdates`, under the ingest budget, never in `seek`.
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
  public var keptRounds = 360
  /// Unlimited by default: a seek then counts from the start, as a straight replay does.
  public var seekHistoryRounds = Int.max
  public let targets: [String]
  private let engineOptions: EngineOptions
  private var engine: TrafficEngine
  private var grouping: RoundGrouping
  /// The entry each round starts at (the first is 0), from the recorded times.
  private let roundStarts: [Int]
  private var next = 0
  /// Frames that re-establish each target's last values after a seek (fed before `next`;
  /// their increases are not counted).
  private var baseline: ArraySlice<Int> = []
  /// Rounds closed so far (the number of the round being counted), and the first of
  /// them the app was handed since it last started over.
  private var roundsClosed = 0
  private var firstRoundHandedOver = 0
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
    var index = RoundGrouping(intervalMs: intervalMs)
    var starts = source.entries.isEmpty ? [] : [0]
    for (i, e) in source.entries.enumerated() where index.startsRound(atMs: e.timeMs) { starts.append(i) }
    roundStarts = starts
    virtualMs = startMs
    dueMs = startMs
    if let s = startAtMs { advance(toMs: s) }
  }

  public var label: String { "replay " + (source.path.split(separator: "/").last.map(String.init) ?? source.path) }
  public var playback: (any Playback)? { self }
  public var isAtEnd: Bool { next >= source.entries.count && baseline.isEmpty }
  public var isBehind: Bool {
    !baseline.isEmpty || (next < source.entries.count && source.entries[next].timeMs <= dueMs)
  }
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
    while let i = baseline.first {
      baseline.removeFirst()
      ingest(source.entries[i])
      if let deadline, WallClock.monotonic() >= deadline, !baseline.isEmpty { return }
    }
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
    roundsClosed += 1
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

  /// Moves the replay to `ms`; the counting it needs is done by the next `takeUpdates`.
  public func seek(toMs ms: Int64) {
    let ms = min(max(ms, startMs), endMs)
    // The rounds a straight replay to `ms` would have closed: those whose next round starts by then.
    let closed = closedRounds(atMs: ms)
    // The rounds the app will hold back to: the newest `keptRounds` of those handed over
    // since it started over, counting those still pending.
    let delivered = roundsClosed - pending.rounds.count
    let held = max(firstRoundHandedOver, max(delivered, closed) - keptRounds)
    let reach = seekHistoryRounds
    if ms >= virtualMs && closed - roundsClosed <= reach {
      // Ahead, and not far: count on to there.
      dueMs = max(dueMs, ms)
    } else if ms < virtualMs && closed >= held && closed - held >= min(reach, closed) && !engineOptions.countFirstScrape
    {
      // Back, and the app holds at least the rounds a start-over would count there:
      // it drops the newer ones, and the engine restarts at the round after.
      let newer = roundsClosed - closed
      let undelivered = min(newer, pending.rounds.count)
      pending.rounds.removeLast(undelivered)
      pending.dropNewestRounds += newer - undelivered
      restart(atRound: closed)
    } else {
      // Anywhere else: the app starts over with the rounds just before the point.
      let first = closed - min(closed, reach)
      pending = SourceUpdate()
      pending.resets = true
      flowsHandedOver = 0
      firstRoundHandedOver = first
      restart(atRound: first)
    }
    virtualMs = ms
    dueMs = max(dueMs, ms)
    changed = true
  }

  /// How many rounds a replay from the start has closed once its clock reaches `ms`.
  private func closedRounds(atMs ms: Int64) -> Int {
    if ms >= endMs { return roundStarts.count }
    // Round r is closed once round r + 1's first frame is counted.
    var lo = 1
    var hi = roundStarts.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if source.entries[roundStarts[mid]].timeMs <= ms { lo = mid + 1 } else { hi = mid }
    }
    return lo - 1
  }

  /// Puts the engine where a straight replay is when round `round` begins.
  ///
  /// Every target's last successful frame before it is queued as a baseline, and counting
  /// goes on from the round's first frame. The flows and their ids stay (the app holds them).
  private func restart(atRound round: Int) {
    let at = round < roundStarts.count ? roundStarts[round] : source.entries.count
    var found = Set<String>()
    var frames: [Int] = []
    var i = at - 1
    if engineOptions.countFirstScrape {
      // A file's first scrape is counted whole: no baseline, a new engine (only a start-over comes here).
      engine = TrafficEngine(options: engineOptions)
      i = -1
    } else {
      engine.forgetTargets()
    }
    while i >= 0 && found.count < targets.count {
      let e = source.entries[i]
      if e.isSuccess && found.insert(e.target).inserted { frames.append(i) }
      i -= 1
    }
    baseline = ArraySlice(frames.reversed())
    tally = RestartTally()
    grouping = RoundGrouping(intervalMs: intervalMs)
    next = at
    roundsClosed = round
    lastIngestedMs = nil
    lastClosedMs = nil
    virtualMs = at > 0 ? source.entries[at - 1].timeMs : startMs
    dueMs = virtualMs
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
