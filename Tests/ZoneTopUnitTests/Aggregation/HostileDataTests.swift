import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Data that an endpoint we do not control may send: the numbers stay sane and memory bounded.
@Suite struct HostileDataTests {
  static func line(_ family: String, _ i: Int, _ value: String, reporter: String = "source", extra: String = "")
    -> String
  {
    "istio_tcp_\(family)_total{reporter=\"\(reporter)\",source_workload=\"w\(i % 50)\",source_workload_namespace=\"ns\","
      + "destination_workload=\"d\(i)\",destination_workload_namespace=\"ns\",destination_service=\"s\(i)\",source_region=\"r\","
      + "source_zone=\"r-a\",destination_region=\"r\",destination_zone=\"r-b\"\(extra)} \(value)\n"
  }

  static func ingest(_ engine: TrafficEngine, _ body: String, at t: Int64) -> TargetHealth {
    Array(body.utf8).withUnsafeBytes { engine.ingest(target: "t", timeMs: t, body: $0, contentType: nil) }
  }

  @Test func hundredThousandSeriesInOneScrapeAndTheCap() {
    let body = (0..<100_000).map { Self.line("received_bytes", $0, "1000") }.joined()
    let engine = TrafficEngine()
    let h = Self.ingest(engine, body, at: 0)
    #expect(h.series == 100_000)
    #expect(h.seriesOverLimit == 0)
    var capped = EngineOptions()
    capped.maxSeriesPerTarget = 30_000
    let small = TrafficEngine(options: capped)
    let hs = Self.ingest(small, body, at: 0)
    #expect(hs.series == 30_000)
    #expect(hs.seriesOverLimit == 70_000)
  }

  @Test func nanNegativeInfiniteAndHugeCounters() {
    let engine = TrafficEngine()
    let first =
      Self.line("received_bytes", 1, "9007199254740993") + Self.line("received_bytes", 2, "10")
      + Self.line("received_bytes", 3, "10") + Self.line("received_bytes", 4, "10")
    _ = Self.ingest(engine, first, at: 0)
    _ = engine.takeDeltas()
    let second =
      Self.line("received_bytes", 1, "9007199254741000") + Self.line("received_bytes", 2, "NaN")
      + Self.line("received_bytes", 3, "-5") + Self.line("received_bytes", 4, "+Inf")
      + Self.line("received_bytes", 1, "1")  // the same series again in one body: ignored
    let h = Self.ingest(engine, second, at: 5000)
    #expect(h.invalidCounterValues == 3)
    let deltas = engine.takeDeltas().filter { $0.1.received > 0 }
    #expect(deltas.count == 1)
    #expect(deltas.first?.1.received == 7)  // exact above 2^53
    #expect(h.counterResets == 0)
  }

  /// Reliability report D17: sums wrapped modulo 2^64, so two increases of 2^63 bytes in one
  /// zone cell summed to 0 and the cell vanished; now they stop at UInt64.max.
  @Test func byteSumsSaturateInsteadOfWrapping() {
    var c = Counts(received: .max - 5, sent: 1 << 63, opened: .max, closed: 3)
    c += Counts(received: 10, sent: 1 << 63, opened: 1, closed: 4)
    #expect(c == Counts(received: .max, sent: .max, opened: .max, closed: 7))
    #expect(Counts(received: 1 << 63, sent: 1 << 63).bytes == .max)
    #expect(Counts(received: 1, sent: 2).bytes == 3)

    let z1 = Locality(region: "r1", zone: "z1")
    let z2 = Locality(region: "r1", zone: "z2")
    func flow(_ workload: String) -> FlowKey {
      FlowKey(
        reporter: .source, sourceWorkload: workload, sourceNamespace: "ns", destinationWorkload: "b",
        destinationNamespace: "ns", destinationService: "b.ns.svc.cluster.local", source: z1, destination: z2,
        hasLocality: true)
    }
    // Two flows of 2^63 request bytes in one cell, and one flow of 2^63 each way.
    var history = TrafficHistory()
    history.append(
      startMs: 1_741_000_000_000, endMs: 1_741_000_005_000,
      deltas: [
        (flow("a"), Counts(received: 1 << 63, opened: 1)), (flow("c"), Counts(received: 1 << 63, opened: 1)),
        (flow("e"), Counts(received: 1 << 63, sent: 1 << 63)),
      ])
    let r = history.report(windowMs: nil, options: ReportOptions())
    #expect(r.zonePairs[ZonePair(from: z1, to: z2)]?.bytes == .max)
    #expect(r.zonePairs[ZonePair(from: z1, to: z2)]?.connectionsOpened == 2)
    #expect(r.zonePairs[ZonePair(from: z2, to: z1)]?.bytes == 1 << 63)
    #expect(r.bytesByScope[.crossZone] == .max)
    #expect(r.regionPairs[RegionPair(from: "r1", to: "r1")]?.bytes == .max)
    #expect(r.services["b.ns.svc.cluster.local"]?.bytes == .max)
    let e = WorkloadHop(sourceWorkload: "e", sourceNamespace: "ns", destinationService: "b.ns.svc.cluster.local")
    #expect(r.hops[e]?.bytes == .max && r.hops[e]?.crossBytes == .max)
    // What a user reads: the cell's CSV row is there with the saturated sum, not gone.
    let csv = ReportExport.csv(r, groupBy: .zone)
    #expect(csv.contains(",r1,z1,r1,z2,cross-zone,18446744073709551615,"), "\(csv)")
  }

  @Test func futureTimestampsAndEscapesDoNotChangeTheCounting() {
    let engine = TrafficEngine()
    let evil = ",source_app=\"\\u001b]0;x\\u0007\\\"\\n\""
    _ = Self.ingest(engine, Self.line("sent_bytes", 1, "100 99999999999999", extra: evil), at: 0)
    _ = engine.takeDeltas()
    let h = Self.ingest(engine, Self.line("sent_bytes", 1, "250 99999999999999", extra: evil), at: 5000)
    #expect(h.invalidLines == 0)
    #expect(engine.takeDeltas().first?.1.sent == 150)
  }

  @Test func flowKeysFromLongEscapedAndInvalidValues() {
    // Long values are shared between flow keys (interned): two values that differ only in
    // their last byte stay two flows, an escaped value is decoded, and invalid UTF-8 gives
    // the same repaired string every time.
    func series(_ family: String, _ service: String) -> String {
      "istio_tcp_\(family)_total{reporter=\"source\",source_workload=\"w\",source_workload_namespace=\"ns\","
        + "destination_workload=\"d\",destination_workload_namespace=\"ns\",destination_service=\"\(service)\"} 1\n"
    }
    let long = "reviews.bookinfo-production.svc.cluster.local-"
    let body =
      series("sent_bytes", long + "1") + series("received_bytes", long + "1") + series("sent_bytes", long + "2")
      + series("sent_bytes", "quoted-\\\"name\\\\with-escapes-long")
      + series("sent_bytes", "bad-utf8-\u{FF}-long-enough-value")
      + series("received_bytes", "bad-utf8-\u{FF}-long-enough-value")
    // "ÿ" (C3 BF) becomes a lone 0xFF byte: invalid UTF-8.
    var bytes: [UInt8] = []
    for b in body.utf8 {
      if b == 0xBF, bytes.last == 0xC3 { bytes[bytes.count - 1] = 0xFF } else { bytes.append(b) }
    }
    let engine = TrafficEngine()
    _ = bytes.withUnsafeBytes { engine.ingest(target: "t", timeMs: 0, body: $0, contentType: nil) }
    let services = engine.flows.keys.map(\.destinationService)
    #expect(
      services == [long + "1", long + "2", "quoted-\"name\\with-escapes-long", "bad-utf8-\u{FFFD}-long-enough-value"])
  }

  @Test func memoryFollowsLiveSeriesAcrossChurn() {
    // 50 scrapes, each with 1,000 series of which half are new every time: old ones are forgotten.
    let engine = TrafficEngine()
    var last = TargetHealth(target: "t")
    for scrape in 0..<50 {
      let body = (0..<1000).map {
        Self.line("received_bytes", $0 < 500 ? $0 : scrape * 1000 + $0, "\(scrape * 10 + 1)")
      }.joined()
      last = Self.ingest(engine, body, at: Int64(scrape) * 5000)
    }
    // Series absent for 3 scrapes are forgotten at the next 4-scrape sweep: at most 500 steady series
    // plus 7 scrapes' worth of new ones, however long this goes on (25,500 without forgetting).
    #expect(last.series <= 500 + 500 * 7)
  }
}
