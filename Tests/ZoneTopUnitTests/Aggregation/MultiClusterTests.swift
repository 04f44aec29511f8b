import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The three-cluster fixtures (scripts/gen_multicluster.py) against their ground truth,
/// computed from the simulated connections: same names in every cluster, a client outside
/// ambient, a waypoint, ingress, egress, and hops into a network behind an east-west gateway
/// labelled as three ztunnel version mixes label them.
@Suite struct MultiClusterTests {
  enum Variant: String, CaseIterable {
    case baggage
    case noBaggage = "no-baggage"
    case mixed
  }

  struct Truth {
    var zonePairs: [ZonePair: (bytes: UInt64, opened: UInt64)] = [:]
    var clusterPairs: [String: UInt64] = [:]
    var totalBytes: UInt64 = 0
    var gatewayBytes: UInt64 = 0
  }

  static func path(_ v: Variant) -> String { TestPaths.fixtures + "/multicluster/\(v.rawValue).ztrec.gz" }

  static func truth(_ v: Variant) throws -> Truth {
    let data = Data(try Files.read(TestPaths.fixtures + "/multicluster/\(v.rawValue).truth.json"))
    let doc = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    var t = Truth()
    t.totalBytes = (doc["total_bytes"] as! NSNumber).uint64Value
    t.gatewayBytes = (doc["gateway_bytes"] as! NSNumber).uint64Value
    for r in doc["expected_zone_pairs"] as! [[String: Any]] {
      let pair = ZonePair(
        from: Locality(region: r["source_region"] as! String, zone: r["source_zone"] as! String),
        to: Locality(region: r["destination_region"] as! String, zone: r["destination_zone"] as! String))
      t.zonePairs[pair] = ((r["bytes"] as! NSNumber).uint64Value, (r["connections_opened"] as! NSNumber).uint64Value)
    }
    for r in doc["cluster_pairs"] as! [[String: Any]] {
      let key = "\(r["source_cluster"] as! String)->\(r["destination_cluster"] as! String)"
      t.clusterPairs[key] = (r["bytes"] as! NSNumber).uint64Value
    }
    return t
  }

  static func report(_ v: Variant, _ policy: ReporterPolicy = .auto, filter: FlowFilter = FlowFilter()) throws
    -> TrafficReport
  {
    var problems: [String] = []
    let report = OfflineAggregation.report(
      source: try OfflineSource(path: path(v)), windowMs: nil, options: ReportOptions(policy: policy, filter: filter),
      problems: &problems, threads: 1)
    #expect(problems.isEmpty, "\(problems)")
    return report
  }

  @Test(arguments: Variant.allCases)
  func everyDirectionalZonePairIsExact(_ v: Variant) throws {
    let truth = try Self.truth(v)
    let report = try Self.report(v)
    GroundTruthTests.assertMatches(report, truth.zonePairs)
    #expect(report.zonePairs.values.reduce(0) { $0 + $1.bytes } == truth.totalBytes, "nothing lost, nothing twice")
  }

  @Test(arguments: Variant.allCases)
  func clusterPairsAreExact(_ v: Variant) throws {
    let truth = try Self.truth(v)
    let report = try Self.report(v)
    var got: [String: UInt64] = [:]
    for (pair, stats) in report.clusterPairs { got["\(pair.from)->\(pair.to)", default: 0] += stats.bytes }
    #expect(got.filter { $0.value > 0 } == truth.clusterPairs.filter { $0.value > 0 })
  }

  /// A hop with a server side only is counted when another cluster has the same names.
  ///
  /// West's legacy/client is not in ambient: its hop to west's frontend has a server side
  /// only, with the same names as east's hop that has both sides.
  @Test func sameNamesInAnotherClusterAreNotDuplicates() throws {
    let report = try Self.report(.baggage)
    let west = report.hops[
      WorkloadHop(
        sourceWorkload: "client", sourceNamespace: "legacy", destinationService: "frontend.shop.svc.cluster.local",
        sourceCluster: "west")]
    let east = report.hops[
      WorkloadHop(
        sourceWorkload: "client", sourceNamespace: "legacy", destinationService: "frontend.shop.svc.cluster.local",
        sourceCluster: "east")]
    #expect((west?.bytes ?? 0) > 0)
    #expect((east?.bytes ?? 0) > 0)
    #expect(report.workloadNamesInSeveralClusters.contains("legacy/client"))
  }

  /// Without response baggage the server side, which names both ends, is counted.
  ///
  /// The client side names the gateway; its bytes are the server side's.
  @Test func gatewayHopsWithoutBaggageCountTheServerSide() throws {
    let truth = try Self.truth(.noBaggage)
    let report = try Self.report(.noBaggage)
    #expect(report.gateway.toGatewayFlows > 0)
    #expect(report.gateway.bytesCountedFromServerSide == truth.gatewayBytes)
    #expect(report.gateway.bytesWithoutFarLocality == 0)
    #expect(report.gateway.fromGatewayFlows == 0)
  }

  /// Mixed versions: gateway bytes counted once, from the client side.
  ///
  /// Client ztunnels 1.28, servers 1.29: the server side names the gateway pod as the
  /// source. The client side is counted (its destination unknown), the server side is not.
  @Test func mixedVersionsCountGatewayBytesOnceFromTheClientSide() throws {
    let truth = try Self.truth(.mixed)
    let report = try Self.report(.mixed)
    #expect(report.gateway.fromGatewayFlows > 0)
    #expect(report.gateway.bytesWithoutFarLocality == truth.gatewayBytes)
    #expect(report.gateway.fromGatewayBytesDropped == truth.gatewayBytes)
    let gatewayPod = report.hops.keys.filter { $0.sourceWorkload == "istio-eastwestgateway" }
    #expect(gatewayPod.isEmpty, "the gateway is not a client: \(gatewayPod)")
  }

  /// With full baggage there is no gateway series at all: ordinary pairing.
  @Test func fullBaggageNeedsNoGatewayRule() throws {
    let report = try Self.report(.baggage)
    #expect(report.gateway == GatewayStats())
  }

  /// The `/` filter matches zone and region names too (UX report D19).
  @Test func filterMatchesZonesAndRegions() throws {
    let report = try Self.report(.baggage, filter: FlowFilter(text: "SOUTHAMERICA-EAST1-B"))
    #expect(!report.counted.isEmpty)
    for id in report.counted.map(\.0) {
      let k = report.flows[id]
      #expect(k.source.zone == "southamerica-east1-b" || k.destination.zone == "southamerica-east1-b")
    }
  }

  @Test func filterSelectsACluster() throws {
    let report = try Self.report(.baggage, filter: FlowFilter(cluster: "south"))
    #expect(!report.hops.isEmpty)
    for id in report.counted.map(\.0) {
      let k = report.flows[id]
      #expect(k.sourceCluster == "south" || k.destinationCluster == "south")
    }
  }
}

/// The multi-cluster fixtures through the TUI: names that repeat across clusters carry
/// their cluster, and Health says how gateway hops were counted.
@Suite struct MultiClusterScreenTests {
  static func screen(_ v: MultiClusterTests.Variant, keys: [Key], width: Int = 160, height: Int = 40) throws
    -> InMemoryScreen
  {
    let replay = ReplaySource(source: try OfflineSource(path: MultiClusterTests.path(v)))
    replay.advance(toMs: replay.startMs + 200_000)
    replay.isPaused = true
    let screen = InMemoryScreen(width: width, height: height, events: keys.map { .key($0) })
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { 0 })
    while !screen.events.isEmpty { loop.turn(timeoutMs: 0) }
    loop.turn(timeoutMs: 0)
    return screen
  }

  @Test func flowsNameTheClusterWhereNamesRepeat() throws {
    let text = try Self.screen(.baggage, keys: [.char("3")]).lines.joined(separator: "\n")
    #expect(text.contains("east:shop/frontend → catalog.shop.svc.cluster.local"), "\(text)")
    #expect(text.contains("west:shop/frontend"), "\(text)")
    // A name in one cluster only stays short.
    #expect(text.contains("istio-ingress/ingress-gateway"), "\(text)")
    #expect(!text.contains("east:istio-ingress"), "\(text)")
  }

  @Test func healthExplainsGatewayHopsWithoutFarLocality() throws {
    let mixed = try Self.screen(.mixed, keys: [.char("5")]).lines.joined(separator: "\n")
    #expect(mixed.contains("east-west gateway flows: 5 client-side to a gateway, 2 server-side from one"), "\(mixed)")
    #expect(mixed.contains("crossed networks through an east-west gateway without the far side's locality"), "\(mixed)")
    let noBaggage = try Self.screen(.noBaggage, keys: [.char("5")]).lines.joined(separator: "\n")
    #expect(noBaggage.contains("east-west gateway flows: 5 client-side to a gateway, 0 server-side from one"))
    #expect(!noBaggage.contains("without the far side's locality"), "\(noBaggage)")
  }

  @Test func healthFilterSelectsTargetsByName() throws {
    let text = try Self.screen(.baggage, keys: [.char("5"), .char("/")] + "10.30".map { .char($0) } + [.enter]).lines
      .joined(separator: "\n")
    #expect(text.contains("targets matching '10.30': 2 of 6 (Esc clears)"), "\(text)")
    #expect(!text.contains("10.10.0.11"), "\(text)")
  }
}
