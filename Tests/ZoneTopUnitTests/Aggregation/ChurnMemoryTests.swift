import Testing
import ZoneTopCollect
import ZoneTopTraffic

/// D6: memory follows the live series and flows.
///
/// A target that renames its series every
/// scrape leaves flows no live series refers to; once they are in no kept round they are
/// forgotten, in the engine and in the history alike, and what the window shows is unchanged.
@Suite struct ChurnMemoryTests {
  /// `n` series of scrape `k`: the same values, new workload names each scrape (a CronJob's pods).
  static func churn(_ k: Int, _ n: Int, stable: Int = 3) -> String {
    var out = ""
    for i in 0..<n {
      out +=
        "istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"w\(k)-\(i)\",source_workload_namespace=\"ns\","
        + "destination_workload=\"d\(i % 7)\",destination_workload_namespace=\"ns\",destination_service=\"s\","
        + "source_region=\"r\",source_zone=\"z1\",destination_region=\"r\",destination_zone=\"z\(i % 3)\"} \(1000 + i)\n"
    }
    for i in 0..<stable {
      out +=
        "istio_tcp_sent_bytes_total{reporter=\"source\",source_workload=\"static\(i)\",source_workload_namespace=\"ns\","
        + "destination_workload=\"d\",destination_workload_namespace=\"ns\",source_region=\"r\",source_zone=\"z1\","
        + "destination_region=\"r\",destination_zone=\"z2\"} \(k * 100)\n"
    }
    return out
  }

  /// Runs `scrapes` scrapes through an engine into a history the way `LiveSource` and
  /// `CollectedData` do; returns the data and the largest flow tables seen.
  static func run(scrapes: Int, perScrape: Int, keepRounds: Int, compact: Bool) -> (
    CollectedData, TrafficEngine, maxEngineFlows: Int, maxHistoryFlows: Int
  ) {
    var options = EngineOptions()
    options.keepFlowsForRounds = keepRounds
    let engine = TrafficEngine(options: options)
    var data = CollectedData(maxRounds: keepRounds)
    var handedOver = 0
    var maxEngine = 0
    var maxHistory = 0
    for k in 0..<scrapes {
      let t = 1_740_996_000_000 + Int64(k) * 5000
      Array(churn(k, perScrape).utf8).withUnsafeBytes {
        _ = engine.ingest(target: "t", timeMs: t, body: $0, contentType: nil)
      }
      var u = SourceUpdate()
      u.rounds = [engine.takeRound(endMs: t)]
      u.newFlows = Array(engine.flows.keys[handedOver...])
      if compact { u.compaction = engine.compactFlows() }
      u.forgottenFlows = engine.forgottenFlows
      handedOver = engine.flows.count
      data.apply(u)
      maxEngine = max(maxEngine, engine.flows.count)
      maxHistory = max(maxHistory, data.history.flows.count)
      #expect(data.history.flows.count == engine.flows.count)
    }
    return (data, engine, maxEngine, maxHistory)
  }

  @Test func renamedSeriesAreForgottenAfterTheKeptHistory() {
    let perScrape = 2000
    let keep = 12
    let (data, engine, maxEngine, maxHistory) = Self.run(
      scrapes: 60, perScrape: perScrape, keepRounds: keep, compact: true)
    // Live: one scrape's series (the rest evicted after 3 missed scrapes, checked every 4).
    // Kept: the flows of the last `keep` rounds, and the table grows by an eighth before it is looked at.
    let bound = (keep + 8) * perScrape * 9 / 8 + 4096
    #expect(maxEngine < bound && maxHistory < bound)
    #expect(engine.forgottenFlows > 60 * perScrape - bound)
    #expect(data.forgottenFlows == engine.forgottenFlows)
    // Every id in every kept round names a flow of the table.
    for r in data.history.rounds { #expect(r.deltas.allSatisfy { Int($0.0) < data.history.flows.count }) }
    // The static flows are never forgotten: the last round still counts them.
    #expect(data.history.rounds.last?.deltas.contains { data.history.flows[$0.0].sourceWorkload == "static0" } == true)
  }

  @Test func theWindowShowsTheSameAsWithoutForgetting() {
    let keep = 10
    let compacted = Self.run(scrapes: 40, perScrape: 1500, keepRounds: keep, compact: true).0
    let reference = Self.run(scrapes: 40, perScrape: 1500, keepRounds: keep, compact: false).0
    for window: Int64 in [5000, 20_000, 50_000] {
      let a = compacted.history.report(windowMs: window, options: ReportOptions())
      let b = reference.history.report(windowMs: window, options: ReportOptions())
      #expect(a.bytesByScope == b.bytesByScope)
      #expect(a.zonePairs.mapValues(\.bytes) == b.zonePairs.mapValues(\.bytes))
      #expect(a.counted.count == b.counted.count)
    }
  }

  @Test func nothingKeptWithoutAHistory() {
    // `record`: no history keeps rounds, so a flow goes with its last series.
    let (_, engine, maxEngine, _) = Self.run(scrapes: 40, perScrape: 2000, keepRounds: 0, compact: true)
    #expect(maxEngine < 8 * 2000 * 9 / 8 + 4096)
    #expect(engine.forgottenFlows > 0)
  }

  @Test func historyCompactionRenumbersAndDropsStrayIncreases() {
    var h = TrafficHistory(maxRounds: 10)
    let keys = (0..<4).map { i in
      FlowKey(
        reporter: .source, sourceWorkload: "w\(i)", sourceNamespace: "ns", destinationWorkload: "d",
        destinationNamespace: "ns", destinationService: "s", source: Locality(region: "r", zone: "a"),
        destination: Locality(region: "r", zone: "b"), hasLocality: true)
    }
    h.append(flows: keys)
    var c = Counts()
    c.received = 7
    h.append(TrafficRound(startMs: 0, endMs: 5000, deltas: [(1, c), (3, c)]))
    h.apply(FlowCompaction(newIDs: [-1, -1, 0, 1], forgotten: 2))
    #expect(h.flows.keys == [keys[2], keys[3]])
    #expect(h.rounds[0].deltas.map(\.0) == [1])
    var table = h.flows
    #expect(table.id(for: keys[3]) == 1 && table.id(for: keys[0]) == 2)
  }
}
