import Glibc
import ZoneTopTraffic

/// What a source hands to the app: everything new since its last update, as a value.
public struct SourceUpdate: Sendable {
  /// The app forgets its rounds and flows before applying this update (a replay moved
  /// back; a Prometheus answer replaced the whole window).
  public var resets = false
  /// The app drops this many of its newest rounds before applying the rest (a replay
  /// stepped back into the rounds it already handed over).
  public var dropNewestRounds = 0
  /// Flows new since the last update, in the order of their ids (they continue the ids before them).
  public var newFlows: [FlowKey] = []
  /// Rounds completed since the last update, oldest first.
  public var rounds: [TrafficRound] = []
  /// Flows the source forgot after these rounds: applied after them, and later updates' ids follow it.
  public var compaction: FlowCompaction?
  /// Flows forgotten so far (no live series referred to them, and they were in no kept round).
  public var forgottenFlows = 0
  /// Every target's health now.
  public var health: [TargetHealth] = []
  /// Counter restarts per target so far (one per scrape with resets, not one per series).
  public var restarts: [String: Int] = [:]
  /// Targets the source polls now (discovery can change it).
  public var targetCount: Int = 0
  /// What target discovery (`--kube`) found, or nil.
  public var discovery: DiscoveryStatus?
  /// Data time: the replay clock, or the time of the newest scrape.
  public var nowMs: Int64 = 0
  /// Problems the user must see (a recording that can no longer be written).
  public var problems: [String] = []

  public init() {}
}

/// Where the TUI's data comes from: a replay, live polling or a Prometheus API.
///
/// A source
/// runs on its own (a collection thread, or a replay clock) and hands over values; the
/// app owns the history and the state.
public protocol MetricsSource: AnyObject {
  /// A short description for the header (`replay demo.ztrec.gz`, `12 ztunnels`).
  var label: String { get }
  /// The scrape (or query) interval.
  var intervalMs: Int64 { get }
  /// The replay controls, for sources that can pause, step and seek; nil for the others.
  var playback: (any Playback)? { get }
  /// Starts collecting.
  func start()
  /// Stops collecting; returns once collection has ended.
  func stop()
  /// The updates ready now, after `realSeconds` of real time passed since the last call.
  func takeUpdates(realSeconds: Double) -> [SourceUpdate]
}

/// Controls of a source that replays recorded time.
public protocol Playback: AnyObject {
  var isPaused: Bool { get set }
  /// Rounds the app keeps (its history's `maxRounds`): how far back a step can reuse them.
  var keptRounds: Int { get set }
  /// Rounds counted before the point a seek lands on, when it cannot reuse the app's rounds:
  /// what the window and the sparklines need there, not the whole recording before it.
  var seekHistoryRounds: Int { get set }
  /// Replay speed (1 = recorded pace).
  var speed: Double { get set }
  /// The end of the recording was reached.
  var isAtEnd: Bool { get }
  /// Frames the replay clock has passed are still waiting to be counted (a fast replay of a
  /// big recording): the app should come back soon.
  var isBehind: Bool { get }
  var startMs: Int64 { get }
  var endMs: Int64 { get }
  /// Moves by whole intervals (negative: back); the next update carries the result.
  func step(_ rounds: Int)
  /// Moves to a data time; the next update carries the result.
  func seek(toMs ms: Int64)
}

/// Milliseconds of wall time and sleeping, injected so tests can run collection loops without waiting.
public protocol CollectionClock: Sendable {
  func nowMs() -> Int64
  /// Sleeps up to `ms` (a short slice, so a stop request is seen soon).
  func sleep(ms: Int64)
}

/// The real clock.
public struct SystemClock: CollectionClock {
  public init() {}
  public func nowMs() -> Int64 { WallClock.nowMs() }
  public func sleep(ms: Int64) { usleepClamped(ms) }
}

func usleepClamped(_ ms: Int64) {
  guard ms > 0 else { return }
  usleep(UInt32(min(ms, 1000)) * 1000)
}

/// What the app keeps of a source's updates: the history and the latest health and discovery.
public struct CollectedData: Sendable {
  public private(set) var history: TrafficHistory
  public private(set) var health: [TargetHealth] = []
  /// Counter restarts per target (see `RestartTally`).
  public private(set) var restarts: [String: Int] = [:]
  public private(set) var discovery: DiscoveryStatus?
  public private(set) var targetCount = 0
  public private(set) var nowMs: Int64 = 0
  /// Rounds received in all (the history keeps the newest `maxRounds`).
  public private(set) var roundsReceived = 0
  /// Problems in the order they arrived.
  public private(set) var problems: [String] = []
  /// Flows the source forgot so far.
  public private(set) var forgottenFlows = 0
  /// The namespaces, zones and clusters of every flow received.
  public private(set) var names = KnownNames()

  public init(maxRounds: Int = 360) { history = TrafficHistory(maxRounds: maxRounds) }

  /// Applies an update; returns whether the history's rounds changed (what the window's
  /// report is made of), not only the clock or the health.
  @discardableResult
  public mutating func apply(_ u: SourceUpdate) -> Bool {
    if u.resets {
      history.removeAll()
      names = KnownNames()
    }
    history.removeNewest(u.dropNewestRounds)
    history.append(flows: u.newFlows)
    names.add(u.newFlows)
    for round in u.rounds { history.append(round) }
    if let c = u.compaction { history.apply(c) }
    forgottenFlows = u.forgottenFlows
    roundsReceived += u.rounds.count
    health = u.health
    restarts = u.restarts
    discovery = u.discovery
    targetCount = max(u.targetCount, u.health.count)
    nowMs = u.nowMs
    problems += u.problems
    return u.resets || u.dropNewestRounds > 0 || !u.rounds.isEmpty || u.compaction != nil
  }
}
