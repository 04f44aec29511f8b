import Testing
import ZoneTopCollect
import ZoneTopHTTP
import ZoneTopTraffic
import ZoneTopUI

/// The poll round as the live view and `record` run it: transfers on one thread, bodies
/// counted on several lanes as they arrive.
@Suite struct PipelineTests {
  /// Counts per flow key, whatever the flow ids (lanes number new flows in the order they meet them).
  static func byKey(_ engine: TrafficEngine) -> [FlowKey: Counts] {
    var out: [FlowKey: Counts] = [:]
    for (id, c) in engine.takeDeltas() { out[engine.flows.keys[Int(id)], default: Counts()] += c }
    return out
  }

  /// Two lanes count exactly what one thread counting the same bodies in turn counts; hung
  /// targets holding every connection slot for a while make no healthy fetch fail; every
  /// receive buffer is given back.
  @Test func lanesCountWhatOneThreadCountsAndHungTargetsStarveNone() throws {
    let server = try FixtureServer(recording: nil, extra: ["--synthetic", "40:300"])
    let healthy = (0..<40).map { server.url("/s/\($0)/metrics") }
    let hung = [server.url("/hostile/slow"), server.url("/hostile/slow")]
    var http = HTTPOptions()
    http.maxConcurrent = 2
    http.timeoutMs = 1000
    var options = EngineOptions()
    options.countFirstScrape = true
    let engine = TrafficEngine(options: options, lanes: 2)
    let pipeline = ScrapePipeline(engine: engine, transfers: http.maxConcurrent)
    let (outcomes, recordingError) = pipeline.run((hung + healthy).map(ScrapeTarget.init(url:)), http: http)
    #expect(recordingError == nil)
    #expect(outcomes.count == 42)
    #expect(Set(outcomes.map(\.target)) == Set(hung + healthy))
    for o in outcomes where healthy.contains(o.target) { #expect(o.isSuccess, "\(o.target): \(o.error ?? "")") }
    #expect(outcomes.filter { hung.contains($0.target) }.allSatisfy { $0.error == "timed out after 1 s" })
    #expect(pipeline.buffersInUse == 0)

    let alone = TrafficEngine(options: options)
    for r in Poller(options: HTTPOptions()).fetch(healthy) {
      #expect(r.isSuccess)
      alone.ingest(r)
    }
    let expected = Self.byKey(alone)
    #expect(expected.count > 50)
    #expect(Self.byKey(engine) == expected)
    #expect(engine.health.filter(\.up).count == 40)
    #expect(engine.health.map(\.series).reduce(0, +) == alone.health.map(\.series).reduce(0, +))
  }

  /// Health's line of zonetop's own footprint adds up what each fetch moved over the network:
  /// its body as transferred (compressed), the request and the response headers.
  @Test func healthShowsWhatZonetopsOwnScrapesMove() throws {
    let server = try FixtureServer(recording: nil, extra: ["--synthetic", "6:200"])
    let urls = (0..<6).map { server.url("/s/\($0)/metrics") }
    let engine = TrafficEngine()
    var total = 0
    for r in Poller(options: HTTPOptions()).fetch(urls) {
      #expect(r.isSuccess)
      // The fixture server compresses its bodies: what crossed the wire is the compressed
      // body plus the request and the response headers, far less than the body zonetop reads.
      #expect(
        r.wireBytes > 200 && r.wireBytes < r.body.count / 2, "\(r.target): \(r.wireBytes) bytes, body \(r.body.count)")
      #expect(engine.ingest(r).lastWireBytes == r.wireBytes)
      total += r.wireBytes
    }
    var state = AppState(sourceLabel: "6 ztunnels", isDemo: false, isReplay: false)
    state.health = engine.health
    state.intervalMs = 5000
    state.view = .health
    let screen = Renderer.render(state, width: 200, height: 40).0.lines.joined(separator: "\n")
    #expect(screen.contains("zonetop's own scrapes: \(NumberText.bytes(Double(total))) a round"), "\(screen)")
  }
}
