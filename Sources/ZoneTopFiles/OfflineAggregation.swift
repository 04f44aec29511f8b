import Dispatch
import Synchronization
import ZoneTopExposition
import ZoneTopTraffic

/// Aggregates recorded scrapes into one report (`zonetop snapshot`): frames are grouped
/// into rounds as a replay groups them, and the window is chosen by `TrafficWindow`, so a
/// snapshot and the TUI at the same moment show the same numbers.
public enum OfflineAggregation {
  /// Runs every frame of `source` through counter engines and applies the rules to the
  /// rounds of the last `windowMs` (nil: all of them).
  ///
  /// Targets are independent until the
  /// merge, so `threads` engines each take a share of them. Problems (torn frames,
  /// unreadable bodies, invalid lines) are appended to `problems`.
  public static func report(
    source: OfflineSource, windowMs: Int64?, options: ReportOptions,
    problems: inout [String], threads: Int = 1,
    engine engineOptions: EngineOptions = EngineOptions()
  ) -> TrafficReport {
    run(source: source, windowMs: windowMs, problems: &problems, threads: threads, engine: engineOptions)
      .history.report(windowMs: windowMs, options: options)
  }

  /// What a pass over recorded scrapes gives: the rounds a window can take, and each target's health.
  public struct Result: Sendable {
    public var history: TrafficHistory
    /// Every target's health after its last frame, in first-seen order.
    public var health: [TargetHealth]
  }

  /// The rounds of `source` that a window of `windowMs` can take (nil: one round holding
  /// everything), and the health of its targets.
  public static func run(
    source: OfflineSource, windowMs: Int64?, problems: inout [String], threads: Int = 1,
    engine engineOptions: EngineOptions = EngineOptions()
  ) -> Result {
    problems += source.problems
    var options = engineOptions
    options.countFirstScrape = source.kind == .file
    let plan = RoundPlan(source: source, windowMs: windowMs)
    // Targets in first-seen order, dealt round-robin to the workers.
    var targetIndex: [String: Int] = [:]
    for e in source.entries where targetIndex[e.target] == nil { targetIndex[e.target] = targetIndex.count }
    let workers = max(1, min(threads, targetIndex.count))
    let owner = targetIndex
    let results = Mutex([Partial?](repeating: nil, count: workers))
    let engineOptions = options
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let partial = run(source: source, plan: plan, options: engineOptions) { owner[$0, default: 0] % workers == w }
      results.withLock { $0[w] = partial }
    }
    // Merge: rounds by index, flows by key.
    var history = TrafficHistory(maxRounds: Int.max)
    let partials = results.withLock { $0.compactMap { $0 } }
    for p in partials { problems += p.problems }
    for r in plan.keptRounds {
      var startMs = plan.roundEndMs[r]
      var deltas: [FlowKey: Counts] = [:]
      for p in partials {
        guard let bucket = p.rounds[r] else { continue }
        if let s = bucket.startMs { startMs = min(startMs, s) }
        for (key, c) in bucket.deltas { deltas[key, default: Counts()] += c }
      }
      history.append(startMs: startMs, endMs: plan.roundEndMs[r], deltas: deltas.map { ($0.key, $0.value) })
    }
    let health = partials.flatMap(\.health)
    let order = owner
    return Result(
      history: history, health: health.sorted { order[$0.target, default: 0] < order[$1.target, default: 0] })
  }

  /// Which round each frame belongs to and which rounds are kept.
  struct RoundPlan: Sendable {
    /// The round of each entry of the source.
    var roundOfEntry: [Int] = []
    /// Each round's last scrape.
    var roundEndMs: [Int64] = []
    /// Rounds kept: those a window can take (ending inside it), or all in one when there is no window.
    var keptRounds: Range<Int> = 0..<0
    /// Rounds before this one are summed into it (no window: one round holds everything).
    var mergeInto: Int?

    init(source: OfflineSource, windowMs: Int64?) {
      var grouping = RoundGrouping(intervalMs: source.intervalMs)
      var round = 0
      for e in source.entries {
        if grouping.startsRound(atMs: e.timeMs) { round += 1 }
        roundOfEntry.append(round)
        if round == roundEndMs.count { roundEndMs.append(e.timeMs) } else { roundEndMs[round] = e.timeMs }
      }
      guard let last = roundEndMs.last else { return }
      if let windowMs {
        // A round that ends before the window starts cannot be in it.
        let first = roundEndMs.firstIndex { $0 >= last &- windowMs } ?? roundEndMs.count - 1
        keptRounds = first..<roundEndMs.count
      } else {
        keptRounds = (roundEndMs.count - 1)..<roundEndMs.count
        mergeInto = roundEndMs.count - 1
      }
    }

    /// Where an entry's increases go, or nil when no kept round takes them.
    func bucket(ofEntry i: Int) -> Int? {
      if let mergeInto { return mergeInto }
      let r = roundOfEntry[i]
      return keptRounds.contains(r) ? r : nil
    }
  }

  /// One worker's share: increases by round and flow, and problems.
  struct Partial: Sendable {
    struct Bucket: Sendable {
      var startMs: Int64?
      var deltas: [FlowKey: Counts] = [:]
    }
    var rounds: [Int: Bucket] = [:]
    var problems: [String] = []
    var health: [TargetHealth] = []
  }

  /// A worker's sums for one round, by flow id of its engine.
  private struct Sums {
    /// The earliest scrape counted increases start from (nil: only baselines so far).
    var startMs: Int64?
    var counts: [Counts] = []
    var present: [Bool] = []

    mutating func add(_ round: TrafficRound) {
      // A round that counted nothing (a baseline) has no start of its own.
      if round.startMs < round.endMs { startMs = min(startMs ?? round.startMs, round.startMs) }
      round.forEachDelta { id, c in
        let i = Int(id)
        if i >= counts.count {
          counts.append(contentsOf: repeatElement(Counts(), count: i + 1 - counts.count))
          present.append(contentsOf: repeatElement(false, count: i + 1 - present.count))
        }
        counts[i] += c
        present[i] = true
      }
    }
  }

  private static func run(source: OfflineSource, plan: RoundPlan, options: EngineOptions, mine: (String) -> Bool)
    -> Partial
  {
    let engine = TrafficEngine(options: options)
    var byRound: [Int: Sums] = [:]
    var partial = Partial()
    for (i, entry) in source.entries.enumerated() where mine(entry.target) {
      if !entry.isSuccess {
        engine.recordFailure(target: entry.target, timeMs: entry.timeMs, error: entry.error ?? "HTTP \(entry.status)")
        continue
      }
      do {
        try source.withBody(entry) { body in
          _ = engine.ingest(target: entry.target, timeMs: entry.timeMs, body: body, contentType: entry.contentType)
        }
        source.release(entry)
      } catch {
        partial.problems.append("\(error)")
        engine.recordFailure(target: entry.target, timeMs: entry.timeMs, error: "\(error)")
      }
      let round = engine.takeRound(endMs: entry.timeMs)
      guard let r = plan.bucket(ofEntry: i) else { continue }
      byRound[r, default: Sums()].add(round)
    }
    for h in engine.health where h.invalidLines > 0 {
      partial.problems.append(
        "\(Sanitize.visible(h.target)): \(h.invalidLines) invalid lines skipped in the last scrape (\(h.lastParseIssue ?? ""))"
      )
    }
    partial.health = engine.health
    for (r, bucket) in byRound {
      var deltas: [FlowKey: Counts] = [:]
      for (i, isPresent) in bucket.present.enumerated() where isPresent {
        deltas[engine.flows[Int32(i)]] = bucket.counts[i]
      }
      partial.rounds[r] = Partial.Bucket(startMs: bucket.startMs, deltas: deltas)
    }
    return partial
  }
}
