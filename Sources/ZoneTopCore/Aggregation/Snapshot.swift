import Dispatch

/// Aggregates recorded scrapes into one report (`zonetop snapshot`).
public enum Snapshot {
  /// Runs every frame of `source` through counter engines and applies the rules.
  /// `windowMs` keeps only the last part of the source. Targets are independent
  /// until the final merge, so `threads` engines each take a share of them.
  /// Problems (torn frames, unreadable bodies, invalid lines) are appended to `problems`.
  public static func report(source: OfflineSource, windowMs: Int64?, options: ReportOptions,
                            problems: inout [String], threads: Int = 1) -> TrafficReport {
    problems += source.problems
    var engineOptions = EngineOptions()
    engineOptions.countFirstScrape = source.kind == .file
    let lastMs = source.entries.last?.timeMs ?? 0
    if let windowMs { engineOptions.countFromMs = lastMs - windowMs }
    // Targets in first-seen order, dealt round-robin to the workers.
    var targetIndex: [String: Int] = [:]
    for e in source.entries where targetIndex[e.target] == nil { targetIndex[e.target] = targetIndex.count }
    let workers = max(1, min(threads, targetIndex.count))
    let slots = Slots(count: workers)
    defer {
      slots.buffer.deinitialize()
      slots.buffer.deallocate()
    }
    let owner = targetIndex
    let engineOptionsCopy = engineOptions
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      // Each worker writes only its own slot.
      slots.buffer[w] = run(source: source, options: engineOptionsCopy) { owner[$0]! % workers == w }
    }
    let partials = slots.buffer
    // Merge: flows by key, windows by extent. Reserved: each resize of the table would
    // hash every flow key (ten strings) again.
    let flowCount = partials.reduce(0) { $0 + $1.counts.count }
    var flows = FlowTable()
    flows.reserveCapacity(flowCount)
    var totals: [Counts] = []
    var present: [Bool] = []
    totals.reserveCapacity(flowCount)
    present.reserveCapacity(flowCount)
    var first: Int64?
    var last: Int64?
    for p in partials {
      problems += p.problems
      for (key, c) in p.counts {
        let id = Int(flows.id(for: key))
        if id >= totals.count {
          totals.append(Counts())
          present.append(false)
        }
        totals[id] += c
        present[id] = true
      }
      if let f = p.firstMs { first = min(first ?? f, f) }
      if let l = p.lastMs { last = max(last ?? l, l) }
    }
    return Aggregator.report(flows: flows, counts: totals, present: present, windowStartMs: first ?? lastMs,
                             windowEndMs: last ?? lastMs, options: options)
  }

  /// One result slot per worker.
  final class Slots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Partial>
    init(count: Int) {
      buffer = .allocate(capacity: count)
      buffer.initialize(repeating: Partial())
    }
  }

  /// One worker's share: counts by flow, the counted extent, and problems.
  struct Partial {
    var counts: [(FlowKey, Counts)] = []
    var firstMs: Int64?
    var lastMs: Int64?
    var problems: [String] = []
  }

  private static func run(source: OfflineSource, options: EngineOptions, mine: (String) -> Bool) -> Partial {
    let engine = TrafficEngine(options: options)
    var totals: [Counts] = []
    var present: [Bool] = []
    var partial = Partial()
    for entry in source.entries where mine(entry.target) {
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
      for (id, c) in engine.takeDeltas() {
        let i = Int(id)
        if i >= totals.count {
          totals.append(contentsOf: repeatElement(Counts(), count: i + 1 - totals.count))
          present.append(contentsOf: repeatElement(false, count: i + 1 - present.count))
        }
        totals[i] += c
        present[i] = true
      }
    }
    for h in engine.health where h.invalidLines > 0 {
      partial.problems.append("\(Sanitize.visible(h.target)): \(h.invalidLines) invalid lines skipped in the last scrape (\(h.lastParseIssue ?? ""))")
    }
    for (i, isPresent) in present.enumerated() where isPresent {
      partial.counts.append((engine.flows[Int32(i)], totals[i]))
    }
    partial.firstMs = engine.firstCountedMs
    partial.lastMs = engine.lastCountedMs
    return partial
  }
}
