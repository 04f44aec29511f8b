/// One interval's increases: what a poll (or a replayed round of frames) added.
public struct TrafficRound: Sendable {
  /// The earliest scrape that the round's increases start from (the previous scrape of
  /// their targets); `endMs` when the round counted nothing (a baseline).
  public var startMs: Int64
  /// The round's last scrape.
  public var endMs: Int64
  /// Increases per flow id.
  public var deltas: [(Int32, Counts)]

  public init(startMs: Int64, endMs: Int64, deltas: [(Int32, Counts)]) {
    self.startMs = min(startMs, endMs)
    self.endMs = endMs
    self.deltas = deltas
  }
}

/// The window rule, the same everywhere (the TUI, `snapshot`, exports, the Prometheus path):
/// a window of W ends at the newest round and takes whole rounds back from it while the
/// span they cover, from the earliest scrape their increases start at, stays within W.
///
/// The newest round is always taken, so a window of one interval shows one round even when
/// its scrapes spread over a little more. The span taken is what rates divide by.
public enum TrafficWindow {
  /// The rounds of `rounds` (oldest first) inside a window of `windowMs` (nil: all of them),
  /// and the span they cover; nil when there are no rounds.
  public static func select(_ rounds: some RandomAccessCollection<TrafficRound>, windowMs: Int64?)
    -> (first: Int, startMs: Int64, endMs: Int64)?
  {
    guard let newest = rounds.last else { return nil }
    let endMs = newest.endMs
    let fromMs = windowMs.map { endMs &- $0 } ?? .min
    var first = rounds.count - 1
    var startMs = newest.startMs
    var i = rounds.count - 2
    while i >= 0 {
      let round = rounds[rounds.index(rounds.startIndex, offsetBy: i)]
      guard round.startMs >= fromMs else { break }
      startMs = min(startMs, round.startMs)
      first = i
      i -= 1
    }
    return (first, startMs, endMs)
  }
}

/// Rounds of per-flow increases kept for a bounded time, with the flows they refer to:
/// what the live views aggregate over their window and draw sparklines from.
///
/// The app
/// owns it; sources hand it new flows and rounds as values.
public struct TrafficHistory: Sendable {
  public private(set) var flows = FlowTable()
  public private(set) var rounds: [TrafficRound] = []
  public let maxRounds: Int

  public init(maxRounds: Int = 360) {
    self.maxRounds = maxRounds
  }

  /// Forgets every round and flow (a replay moved back, a Prometheus answer replaced the window).
  public mutating func removeAll() {
    flows = FlowTable()
    rounds.removeAll()
  }

  /// Forgets the newest `count` rounds (a replay stepped back); the flows stay.
  public mutating func removeNewest(_ count: Int) {
    rounds.removeLast(min(max(0, count), rounds.count))
  }

  /// Adds flows a source created, in the order of their ids there (ids continue from `flows.count`).
  public mutating func append(flows keys: [FlowKey]) {
    for key in keys { _ = flows.id(for: key) }
  }

  /// Renumbers the flows after the source forgot some (`TrafficEngine.compactFlows`):
  /// forgotten flows leave the table, and any increase of theirs left in a kept round
  /// (none when the engine keeps flows for as many rounds as this history) leaves with them.
  public mutating func apply(_ c: FlowCompaction) {
    flows = FlowTable(flows.keys.indices.compactMap { c.map(Int32($0)) == nil ? nil : flows.keys[$0] })
    for i in rounds.indices {
      rounds[i].deltas = rounds[i].deltas.compactMap { id, counts in c.map(id).map { ($0, counts) } }
    }
  }

  /// Adds one round (its flow ids must be known).
  public mutating func append(_ round: TrafficRound) {
    rounds.append(round)
    if rounds.count > maxRounds { rounds.removeFirst(rounds.count - maxRounds) }
  }

  /// Adds one round of increases keyed by flow (a Prometheus answer).
  public mutating func append(startMs: Int64, endMs: Int64, deltas: [(FlowKey, Counts)]) {
    let mapped = deltas.map { (flows.id(for: $0.0), $0.1) }
    append(TrafficRound(startMs: startMs, endMs: endMs, deltas: mapped))
  }

  /// The span a window of `windowMs` covers now, or nil before the first round.
  public func window(_ windowMs: Int64?) -> (startMs: Int64, endMs: Int64)? {
    TrafficWindow.select(rounds, windowMs: windowMs).map { ($0.startMs, $0.endMs) }
  }

  /// The rules applied to the rounds of a window of `windowMs` (nil: every round kept).
  public func report(windowMs: Int64?, options: ReportOptions) -> TrafficReport {
    guard let w = TrafficWindow.select(rounds, windowMs: windowMs) else {
      return TrafficReport(options: options, windowStartMs: 0, windowEndMs: 0)
    }
    return report(rounds[w.first...], startMs: w.startMs, endMs: w.endMs, options: options)
  }

  /// The rules applied to the rounds that lie between `fromMs` and `toMs`: a round is taken
  /// when the scrapes its increases span both lie inside (the window rule, with both edges
  /// given); the report's window is the span the taken rounds cover.
  public func report(fromMs: Int64, toMs: Int64, options: ReportOptions) -> TrafficReport {
    let taken = rounds.filter { $0.startMs >= fromMs && $0.endMs <= toMs && $0.startMs < $0.endMs }
    guard let start = taken.map(\.startMs).min(), let end = taken.last?.endMs else {
      return TrafficReport(options: options, windowStartMs: 0, windowEndMs: 0)
    }
    return report(taken, startMs: start, endMs: end, options: options)
  }

  private func report(
    _ taken: some Sequence<TrafficRound>, startMs: Int64, endMs: Int64, options: ReportOptions
  ) -> TrafficReport {
    var counts = [Counts](repeating: Counts(), count: flows.count)
    var present = [Bool](repeating: false, count: flows.count)
    for round in taken {
      for (id, c) in round.deltas {
        counts[Int(id)] += c
        present[Int(id)] = true
      }
    }
    return Aggregator.report(
      flows: flows, counts: counts, present: present, windowStartMs: startMs, windowEndMs: endMs, options: options)
  }

  /// Bytes per second of the given flows in each of the last `count` rounds (oldest first).
  public func sparkline(flows ids: Set<Int32>, count: Int) -> [Double] {
    rounds.suffix(count).map { round in
      let seconds = Double(max(1, round.endMs - round.startMs)) / 1000
      return Double(round.deltas.reduce(UInt64(0)) { ids.contains($1.0) ? $0.addingSaturating($1.1.bytes) : $0 })
        / seconds
    }
  }
}

/// Groups scrapes sorted by time into rounds the way a poller makes them: a round ends
/// where a scrape comes at least 90% of the interval after the round's first scrape.
public struct RoundGrouping: Sendable {
  public let intervalMs: Int64
  private var roundStartMs: Int64?

  public init(intervalMs: Int64) { self.intervalMs = intervalMs }

  /// Whether a scrape at `timeMs` begins a new round (the one before it is then complete).
  public mutating func startsRound(atMs timeMs: Int64) -> Bool {
    guard let start = roundStartMs else {
      roundStartMs = timeMs
      return false
    }
    guard timeMs >= start &+ intervalMs * 9 / 10 else { return false }
    roundStartMs = timeMs
    return true
  }

  /// The scrape interval of a recording: the median gap between a target's scrapes (at least 1 s; 5 s without gaps).
  public static func interval(targetsAndTimes: some Sequence<(String, Int64)>) -> Int64 {
    var last: [String: Int64] = [:]
    var gaps: [Int64] = []
    for (target, t) in targetsAndTimes {
      if let l = last[target] { gaps.append(t - l) }
      last[target] = t
    }
    gaps.sort()
    return gaps.isEmpty ? 5000 : max(1000, gaps[gaps.count / 2])
  }
}
