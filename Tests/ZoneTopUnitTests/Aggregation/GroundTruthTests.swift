import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The demo recording against the fixture generator's ground truth (computed from
/// its simulated flows, never from zonetop), for every policy, and each quirk by name.
@Suite struct GroundTruthTests {
  struct Truth {
    var pairs: [ReporterPolicy: [ZonePair: (bytes: UInt64, opened: UInt64)]] = [:]
    var duplicateBytes: UInt64 = 0
    var doc: [String: Any] = [:]
  }

  static func loadTruth() throws -> Truth {
    let data = Data(try Files.read(TestPaths.truth))
    let doc = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    var truth = Truth(doc: doc)
    truth.duplicateBytes = (doc["duplicate_bytes_dropped_auto"] as! NSNumber).uint64Value
    let pairs = doc["zone_pairs"] as! [String: [[String: Any]]]
    for (policy, rows) in pairs {
      var map: [ZonePair: (UInt64, UInt64)] = [:]
      for r in rows {
        let pair = ZonePair(
          from: Locality(region: r["source_region"] as! String, zone: r["source_zone"] as! String),
          to: Locality(region: r["destination_region"] as! String, zone: r["destination_zone"] as! String))
        map[pair] = ((r["bytes"] as! NSNumber).uint64Value, (r["connections_opened"] as! NSNumber).uint64Value)
      }
      truth.pairs[ReporterPolicy(rawValue: policy)!] = map
    }
    return truth
  }

  static func report(_ path: String, _ policy: ReporterPolicy, window: Int64? = nil) throws -> TrafficReport {
    try Demo.report(path, policy, window: window)
  }

  static func assertMatches(
    _ report: TrafficReport, _ expected: [ZonePair: (bytes: UInt64, opened: UInt64)],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let got = report.zonePairs.filter { $0.value.bytes > 0 || $0.value.connectionsOpened > 0 }
    #expect(Set(got.keys) == Set(expected.keys), sourceLocation: sourceLocation)
    for (pair, want) in expected {
      #expect(got[pair]?.bytes == want.bytes, "\(pair) bytes", sourceLocation: sourceLocation)
      #expect(got[pair]?.connectionsOpened == want.opened, "\(pair) connections", sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: ReporterPolicy.allCases)
  func recordingMatchesGroundTruthExactly(_ policy: ReporterPolicy) throws {
    let truth = try Self.loadTruth()
    let report = try Self.report(TestPaths.demoRecording, policy)
    Self.assertMatches(report, truth.pairs[policy]!)
    #expect(report.options.policy == policy)
  }

  @Test func scrapeDirectoryMatchesGroundTruth() throws {
    let truth = try Self.loadTruth()
    Self.assertMatches(try Self.report(TestPaths.demoScrapes, .auto), truth.pairs[.auto]!)
  }

  @Test func duplicateReportsAreDroppedOnce() throws {
    let truth = try Self.loadTruth()
    let report = try Self.report(TestPaths.demoRecording, .auto)
    #expect(report.duplicateBytesDropped == truth.duplicateBytes)
    // Counting both sides would have doubled every mesh-to-mesh hop.
    let sourceOnly = try Self.report(TestPaths.demoRecording, .source)
    #expect(
      report.zonePairs.values.reduce(0) { $0 + $1.bytes } > sourceOnly.zonePairs.values.reduce(0) { $0 + $1.bytes })
  }

  @Test func counterResetOfRestartedZtunnelIsCountedNotLost() throws {
    let truth = try Self.loadTruth()
    let source = try OfflineSource(path: TestPaths.demoRecording)
    let engine = TrafficEngine()
    for e in source.entries where e.isSuccess {
      try source.withBody(e) {
        _ = engine.ingest(target: e.target, timeMs: e.timeMs, body: $0, contentType: e.contentType)
      }
    }
    let restarted = engine.health.first { $0.target == "http://10.132.0.11:15020/metrics" }!
    #expect(restarted.counterResets > 0)
    #expect(engine.health.filter { $0.counterResets > 0 }.count == 1)
    // and the numbers stay exact (the reset's new value is the increase):
    Self.assertMatches(try Self.report(TestPaths.demoRecording, .auto), truth.pairs[.auto]!)
  }

  @Test func olderZtunnelWithoutLocalityTakesTheDestinationSide() throws {
    let report = try Self.report(TestPaths.demoRecording, .auto)
    // invoice-batch runs only on the old ztunnel's node (us-east1-c); its hops keep their zones.
    let hop = report.hops.first {
      $0.key.sourceWorkload == "invoice-batch" && $0.key.destinationService.hasPrefix("billing.")
    }!
    #expect(hop.value.byScope[.unknown] == nil)
    #expect(hop.value.bytes > 0)
    let forced = try Self.report(TestPaths.demoRecording, .source)
    let forcedHop = forced.hops.first {
      $0.key.sourceWorkload == "invoice-batch" && $0.key.destinationService.hasPrefix("billing.")
    }!
    #expect(forcedHop.value.byScope[.unknown] == forcedHop.value.bytes)
  }

  @Test func nonMeshClientsAreDestinationOnlyWithUnknownSource() throws {
    let report = try Self.report(TestPaths.demoRecording, .auto)
    let fromOutside = report.hops.filter { $0.key.sourceWorkload == "unknown" }
    #expect(!fromOutside.isEmpty)
    #expect(fromOutside.allSatisfy { $0.value.byScope[.unknown] == $0.value.bytes })
    let sourceOnly = try Self.report(TestPaths.demoRecording, .source)
    #expect(sourceOnly.hops.keys.contains { $0.sourceWorkload == "unknown" } == false)
  }

  @Test func egressToNonMeshHostsIsSourceOnly() throws {
    let report = try Self.report(TestPaths.demoRecording, .auto)
    let egress = report.hops.filter { $0.key.destinationService == "api.payments-provider.example" }
    #expect(egress.count == 1)
    let destinationOnly = try Self.report(TestPaths.demoRecording, .destination)
    #expect(destinationOnly.hops.keys.contains { $0.destinationService == "api.payments-provider.example" } == false)
  }

  @Test func waypointHopsAreCountedOnEachSide() throws {
    let report = try Self.report(TestPaths.demoRecording, .auto)
    let toWaypoint = report.hops.filter {
      $0.key.sourceWorkload == "frontend" && $0.key.destinationService.hasPrefix("shipping.")
    }
    let fromWaypoint = report.hops.filter { $0.key.sourceWorkload == "shop-waypoint" }
    #expect(toWaypoint.count == 1 && fromWaypoint.count == 1)
    #expect(fromWaypoint.first!.value.bytes > 0)
  }

  @Test func seriesThatAppearMidwayCountWhole() throws {
    let report = try Self.report(TestPaths.demoRecording, .auto)
    // frontend -> recommendation starts at round 36: every byte after it appears is counted,
    // which the exact match with the ground truth proves; here, that it is there at all.
    let hop = report.hops.first {
      $0.key.sourceWorkload == "frontend" && $0.key.destinationService.hasPrefix("recommendation.")
    }
    #expect((hop?.value.bytes ?? 0) > 0)
  }

  @Test func missedScrapeIsAFailureAndLosesNothing() throws {
    let source = try OfflineSource(path: TestPaths.demoRecording)
    let missed = source.entries.filter { !$0.isSuccess }
    #expect(missed.count == 1)
    #expect(missed.first?.error == "timed out after 2 s")
    // The next scrape's increase spans both intervals: the ground-truth match covers it.
    let truth = try Self.loadTruth()
    Self.assertMatches(try Self.report(TestPaths.demoRecording, .destination), truth.pairs[.destination]!)
  }

  @Test func windowKeepsOnlyTheLastPart() throws {
    let full = try Self.report(TestPaths.demoRecording, .auto)
    let last = try Self.report(TestPaths.demoRecording, .auto, window: 60_000)
    #expect(last.windowEndMs == full.windowEndMs)
    #expect(last.windowSeconds > 50 && last.windowSeconds <= 60)
    let fullBytes = full.zonePairs.values.reduce(0) { $0 + $1.bytes }
    let lastBytes = last.zonePairs.values.reduce(0) { $0 + $1.bytes }
    #expect(lastBytes > fullBytes / 20 && lastBytes < fullBytes / 5)
  }
}
