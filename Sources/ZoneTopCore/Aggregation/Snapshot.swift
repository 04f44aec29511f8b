/// Aggregates recorded scrapes into one report (`zonetop snapshot`).
public enum Snapshot {
  /// Runs every frame of `source` through a counter engine and applies the rules.
  /// `windowMs` keeps only the last part of the source. Problems (torn frames,
  /// failed scrapes, invalid lines) are appended to `problems`.
  public static func report(source: OfflineSource, windowMs: Int64?, options: ReportOptions,
                            problems: inout [String]) -> TrafficReport {
    problems += source.problems
    var engineOptions = EngineOptions()
    engineOptions.countFirstScrape = source.kind == .file
    let lastMs = source.entries.last?.timeMs ?? 0
    if let windowMs { engineOptions.countFromMs = lastMs - windowMs }
    let engine = TrafficEngine(options: engineOptions)
    var totals: [Counts] = []
    var present: [Bool] = []
    for entry in source.entries {
      if !entry.isSuccess {
        engine.recordFailure(target: entry.target, timeMs: entry.timeMs, error: entry.error ?? "HTTP \(entry.status)")
        continue
      }
      do {
        try source.withBody(entry) { body in
          _ = engine.ingest(target: entry.target, timeMs: entry.timeMs, body: body, contentType: entry.contentType)
        }
      } catch {
        problems.append("\(error)")
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
      problems.append("\(Sanitize.visible(h.target)): \(h.invalidLines) invalid lines skipped in the last scrape (\(h.lastParseIssue ?? ""))")
    }
    let start = engine.firstCountedMs ?? lastMs
    let end = engine.lastCountedMs ?? lastMs
    return Aggregator.report(flows: engine.flows, counts: totals, present: present, windowStartMs: start,
                             windowEndMs: end, options: options)
  }
}
