/// Scrapes turned into rounds of per-flow increases, kept for a bounded time:
/// what the live views aggregate over their window and draw sparklines from.
public final class TrafficHistory {
  /// One interval's increases.
  public struct Round: Sendable {
    public var startMs: Int64
    public var endMs: Int64
    public var deltas: [(Int32, Counts)]
  }

  public let engine: TrafficEngine
  public private(set) var rounds: [Round] = []
  public let maxRounds: Int
  private var lastEndMs: Int64?

  public init(engine: TrafficEngine = TrafficEngine(), maxRounds: Int = 360) {
    self.engine = engine
    self.maxRounds = maxRounds
  }

  /// Feeds one scrape result.
  public func ingest(target: String, timeMs: Int64, status: Int, error: String?, contentType: String?,
                     body: UnsafeRawBufferPointer, latency: Double? = nil) {
    if status >= 200 && status < 300 && error == nil {
      engine.ingest(target: target, timeMs: timeMs, body: body, contentType: contentType, latency: latency)
    } else {
      engine.recordFailure(target: target, timeMs: timeMs, error: error ?? "HTTP \(status)", latency: latency)
    }
  }

  /// Closes the current round at `timeMs` (the time of its last scrape).
  public func closeRound(atMs timeMs: Int64) {
    let deltas = engine.takeDeltas()
    let start = lastEndMs ?? timeMs
    lastEndMs = timeMs
    rounds.append(Round(startMs: start, endMs: timeMs, deltas: deltas))
    if rounds.count > maxRounds { rounds.removeFirst(rounds.count - maxRounds) }
  }

  /// Adds a round of increases computed elsewhere (a Prometheus range query).
  public func appendRound(startMs: Int64, endMs: Int64, deltas: [(FlowKey, Counts)]) {
    let mapped = deltas.map { (engine.flowID($0.0), $0.1) }
    lastEndMs = endMs
    rounds.append(Round(startMs: startMs, endMs: endMs, deltas: mapped))
    if rounds.count > maxRounds { rounds.removeFirst(rounds.count - maxRounds) }
  }

  /// Forgets every round (a feed that rebuilds its history on each refresh).
  public func removeAllRounds() {
    rounds.removeAll()
    lastEndMs = nil
  }

  /// The rules applied to the rounds of the last `windowMs`.
  public func report(windowMs: Int64, options: ReportOptions) -> TrafficReport {
    guard let last = rounds.last else {
      return TrafficReport(options: options, windowStartMs: 0, windowEndMs: 0)
    }
    let from = last.endMs - windowMs
    var counts = [Counts](repeating: Counts(), count: engine.flows.count)
    var present = [Bool](repeating: false, count: engine.flows.count)
    var start = last.endMs
    for round in rounds.reversed() where round.startMs >= from {
      start = min(start, round.startMs)
      for (id, c) in round.deltas {
        counts[Int(id)] += c
        present[Int(id)] = true
      }
    }
    return Aggregator.report(flows: engine.flows, counts: counts, present: present, windowStartMs: start,
                             windowEndMs: last.endMs, options: options)
  }

  /// Bytes per round of the given flows over the last `count` rounds (oldest first).
  public func sparkline(flows: Set<Int32>, count: Int) -> [Double] {
    rounds.suffix(count).map { round in
      let seconds = Double(max(1, round.endMs - round.startMs)) / 1000
      return Double(round.deltas.reduce(UInt64(0)) { flows.contains($1.0) ? $0 &+ $1.1.bytes : $0 }) / seconds
    }
  }
}
