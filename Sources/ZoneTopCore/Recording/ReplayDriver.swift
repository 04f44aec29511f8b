/// Replays recorded scrapes at their recorded pace times `speed`, on a virtual
/// clock that the caller advances (so tests need no sleeping): pause, step and
/// seek included. Frames become rounds of a `TrafficHistory`.
public final class ReplayDriver {
  public let source: OfflineSource
  public private(set) var history: TrafficHistory
  /// The recording's scrape interval (the median gap between a target's scrapes).
  public let intervalMs: Int64
  public let startMs: Int64
  public let endMs: Int64
  public private(set) var virtualMs: Int64
  public var speed = 1.0
  public var paused = false
  public let targets: [String]
  private var next = 0
  private var roundStartMs: Int64?
  private var lastIngestedMs: Int64?
  private let maxRounds: Int
  private var carry = 0.0
  /// Problems met while replaying (unreadable bodies).
  public private(set) var problems: [String] = []

  public init(source: OfflineSource, startAtMs: Int64? = nil, maxRounds: Int = 360) {
    self.source = source
    self.maxRounds = maxRounds
    history = TrafficHistory(maxRounds: maxRounds)
    startMs = source.entries.first?.timeMs ?? 0
    endMs = source.entries.last?.timeMs ?? 0
    var last: [String: Int64] = [:]
    var gaps: [Int64] = []
    var seen: [String] = []
    for e in source.entries {
      if let l = last[e.target] { gaps.append(e.timeMs - l) } else { seen.append(e.target) }
      last[e.target] = e.timeMs
    }
    targets = seen
    gaps.sort()
    intervalMs = gaps.isEmpty ? 5000 : max(1000, gaps[gaps.count / 2])
    virtualMs = startMs
    if let s = startAtMs { advance(toMs: s) }
  }

  public var atEnd: Bool { next >= source.entries.count }

  /// Advances the virtual clock by `seconds` of real time (times `speed`, unless paused).
  /// Returns whether new rounds were closed.
  @discardableResult
  public func tick(realSeconds seconds: Double) -> Bool {
    guard !paused, !atEnd else { return false }
    carry += seconds * speed * 1000
    let whole = Int64(carry)
    carry -= Double(whole)
    return advance(toMs: virtualMs + whole)
  }

  /// Ingests every frame up to `ms`; returns whether a round closed.
  @discardableResult
  public func advance(toMs ms: Int64) -> Bool {
    let before = history.rounds.count
    while next < source.entries.count && source.entries[next].timeMs <= ms {
      let e = source.entries[next]
      if let start = roundStartMs, e.timeMs >= start + intervalMs * 9 / 10, let last = lastIngestedMs {
        history.closeRound(atMs: last)
        roundStartMs = e.timeMs
      }
      if roundStartMs == nil { roundStartMs = e.timeMs }
      ingest(e)
      lastIngestedMs = e.timeMs
      next += 1
    }
    if atEnd, let last = lastIngestedMs, history.rounds.last?.endMs != last {
      history.closeRound(atMs: last)
    }
    virtualMs = max(virtualMs, min(ms, endMs))
    return history.rounds.count != before
  }

  /// Moves by whole intervals; backwards rebuilds the history from the start.
  public func step(_ rounds: Int) {
    let target = virtualMs + Int64(rounds) * intervalMs
    if rounds >= 0 {
      advance(toMs: target)
    } else {
      seek(toMs: max(startMs, target))
    }
  }

  /// Replays from the start up to `ms`.
  public func seek(toMs ms: Int64) {
    history = TrafficHistory(maxRounds: maxRounds)
    next = 0
    roundStartMs = nil
    lastIngestedMs = nil
    virtualMs = startMs
    advance(toMs: ms)
    virtualMs = ms
  }

  private func ingest(_ e: OfflineSource.Entry) {
    if !e.isSuccess {
      history.engine.recordFailure(target: e.target, timeMs: e.timeMs, error: e.error ?? "HTTP \(e.status)")
      return
    }
    do {
      _ = try source.withBody(e) { body in
        history.engine.ingest(target: e.target, timeMs: e.timeMs, body: body, contentType: e.contentType)
      }
    } catch {
      problems.append("\(error)")
      history.engine.recordFailure(target: e.target, timeMs: e.timeMs, error: "\(error)")
    }
  }
}
