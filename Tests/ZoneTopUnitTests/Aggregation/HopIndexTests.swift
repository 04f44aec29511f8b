import Testing
import ZoneTopTraffic

/// New series find their hop's flow through the hop index: the flows must be exactly those a
/// key built from the labels gives, whatever the label order, extra labels, escapes or
/// absent labels.
@Suite struct HopIndexTests {
  static let labels =
    "reporter=\"source\",source_workload=\"frontend\",source_workload_namespace=\"shop\","
    + "destination_workload=\"catalog-with-a-long-name\",destination_workload_namespace=\"shop\","
    + "destination_service=\"catalog.shop.svc.cluster.local\",source_region=\"us-east1\",source_zone=\"us-east1-b\","
    + "destination_region=\"us-east1\",destination_zone=\"us-east1-c\""

  static func engine(_ lines: [String]) -> TrafficEngine {
    let engine = TrafficEngine()
    let body = lines.map { "istio_tcp_received_bytes_total{\($0)} 10\n" }.joined()
    _ = Array(body.utf8).withUnsafeBytes { engine.ingest(target: "t", timeMs: 0, body: $0, contentType: nil) }
    return engine
  }

  @Test func seriesOfOneHopShareItsFlowWhateverTheirOtherLabels() {
    let reordered = Self.labels.split(separator: ",").reversed().joined(separator: ",")
    let e = Self.engine([
      Self.labels + ",connection_security_policy=\"mutual_tls\"",
      Self.labels + ",connection_security_policy=\"none\"",
      reordered + ",pod=\"a\"",
      Self.labels.replacingOccurrences(of: "\"frontend\"", with: "\"front\\\\end\""),
    ])
    #expect(e.flows.count == 2)
    #expect(e.flows.keys[0].sourceWorkload == "frontend")
    #expect(e.flows.keys[1].sourceWorkload == "front\\end")
    #expect(e.health.first?.series == 4)
  }

  @Test func eachLabelThatDiffersMakesItsOwnFlow() {
    let variants = [
      Self.labels,
      Self.labels.replacingOccurrences(of: "us-east1-c", with: "us-east1-d"),
      Self.labels.replacingOccurrences(of: "reporter=\"source\"", with: "reporter=\"destination\""),
      Self.labels.replacingOccurrences(of: "catalog-with-a-long-name", with: "catalog-with-a-long-namf"),
      Self.labels + ",source_cluster=\"east\"",
      Self.labels + ",destination_principal=\"spiffe://cluster.local/ns/shop/sa/catalog\"",
    ]
    let e = Self.engine(variants + variants.map { $0 + ",extra=\"x\"" })
    #expect(e.flows.count == variants.count)
    #expect(e.flows.keys[1].destination.zone == "us-east1-d")
    #expect(e.flows.keys[2].reporter == .destination)
    #expect(e.flows.keys[4].sourceCluster == "east")
  }

  /// Absent and empty values are `unknown`, as an explicit `unknown` is: one flow; a series
  /// without locality labels is another (an older ztunnel), even if its other labels match.
  @Test func absentEmptyAndUnknownValuesAreOneFlowButLocalityPresenceIsNot() {
    let e = Self.engine([
      Self.labels,
      Self.labels + ",source_cluster=\"\"",
      Self.labels + ",source_cluster=\"unknown\"",
      "reporter=\"source\",source_workload=\"frontend\"",
      "reporter=\"source\",source_workload=\"frontend\",source_zone=\"\"",
      "reporter=\"source\",source_workload=\"frontend\",source_zone=\"unknown\"",
      "reporter=\"sauce\",source_workload=\"frontend\"",
      "source_workload=\"frontend\"",
    ])
    #expect(e.flows.count == 4)
    #expect(e.flows.keys[1].hasLocality == false)
    #expect(e.flows.keys[2].hasLocality == true)
    #expect(e.flows.keys[2].source.zone == "unknown")
    #expect(e.flows.keys[3].reporter == .unknown)
  }

  /// The index holds old ids until a compaction renumbers the flows; then new series must
  /// still land in the renumbered flow.
  @Test func afterFlowsAreForgottenNewSeriesFindTheRenumberedFlow() {
    var options = EngineOptions()
    options.keepFlowsForRounds = 1
    let engine = TrafficEngine(options: options)
    func scrape(_ body: String, at t: Int64) {
      _ = Array(body.utf8).withUnsafeBytes { engine.ingest(target: "t", timeMs: t, body: $0, contentType: nil) }
      _ = engine.takeRound(endMs: t)
    }
    // 5,000 short-lived hops, then one that stays; the short-lived ones are forgotten.
    let churn = (0..<5000).map { "istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"w\($0)\"} 1\n" }
    scrape(churn.joined(), at: 0)
    let stay = "istio_tcp_received_bytes_total{\(Self.labels)} 10\n"
    // Series missed 3 scrapes in a row are evicted at every fourth scrape: the eighth here.
    for i in 1...8 { scrape(stay, at: Int64(i) * 5000) }
    #expect(engine.compactFlows() != nil)
    #expect(engine.flows.count == 1)
    scrape(stay + "istio_tcp_received_bytes_total{\(Self.labels),pod=\"new\"} 7\n", at: 45_000)
    let body = stay + "istio_tcp_received_bytes_total{\(Self.labels),pod=\"new\"} 9\n"
    _ = Array(body.utf8).withUnsafeBytes { engine.ingest(target: "t", timeMs: 50_000, body: $0, contentType: nil) }
    #expect(engine.flows.count == 1)
    #expect(engine.takeDeltas().map(\.1.received) == [2])
  }
}
