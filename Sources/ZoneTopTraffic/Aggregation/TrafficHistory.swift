/// One interval's increases: what a poll (or a replayed round of frames) added.
///
/// A history holds hundreds of rounds of every active flow (360 x 50,000 for a big mesh),
/// so the increases are kept packed: per flow, the change of its id from the one before
/// and its four counts, each as a LEB128 varint (zigzag for the id), about 9 bytes where
/// the `(Int32, Counts)` pairs take 40.
public struct TrafficRound: Sendable {
  /// The earliest scrape that the round's increases start from (the previous scrape of
  /// their targets); `endMs` when the round counted nothing (a baseline).
  public var startMs: Int64
  /// The round's last scrape.
  public var endMs: Int64
  private var packed: [UInt8] = []
  /// The flows the round has increases for.
  public private(set) var flowCount = 0

  public init(startMs: Int64, endMs: Int64, deltas: [(Int32, Counts)]) {
    self.startMs = min(startMs, endMs)
    self.endMs = endMs
    self.deltas = deltas
  }

  /// Increases per flow id.
  public var deltas: [(Int32, Counts)] {
    get {
      var out: [(Int32, Counts)] = []
      out.reserveCapacity(flowCount)
      forEachDelta { out.append(($0, $1)) }
      return out
    }
    set {
      var bytes: [UInt8] = []
      bytes.reserveCapacity(newValue.count * 10)
      var previous: Int64 = 0
      for (id, c) in newValue {
        let step = Int64(id) - previous
        Self.put(UInt64(bitPattern: (step << 1) ^ (step >> 63)), into: &bytes)
        previous = Int64(id)
        Self.put(c.received, into: &bytes)
        Self.put(c.sent, into: &bytes)
        Self.put(c.opened, into: &bytes)
        Self.put(c.closed, into: &bytes)
      }
      packed = bytes
      flowCount = newValue.count
    }
  }

  /// Calls `body` with each flow's increases, in the order they were given, without
  /// unpacking them into an array.
  public func forEachDelta(_ body: (Int32, Counts) -> Void) {
    packed.withUnsafeBufferPointer { p in
      var i = 0
      var id: Int64 = 0
      for _ in 0..<flowCount {
        let z = Self.take(p, &i)
        id += Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
        let counts = Counts(
          received: Self.take(p, &i), sent: Self.take(p, &i), opened: Self.take(p, &i), closed: Self.take(p, &i))
        body(Int32(truncatingIfNeeded: id), counts)
      }
    }
  }

  private static func put(_ value: UInt64, into bytes: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  private static func take(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let byte = p[i]
      i += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
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
      round.forEachDelta { id, c in
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
      var bytes = UInt64(0)
      round.forEachDelta { id, c in if ids.contains(id) { bytes.addSaturating(c.bytes) } }
      return Double(bytes) / seconds
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
