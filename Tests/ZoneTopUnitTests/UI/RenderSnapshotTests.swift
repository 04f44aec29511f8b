import Glibc
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Every view rendered at 80x24 and 120x40 from the demo data into the in-memory
/// screen, compared with text snapshots in `Snapshots/` (re-record with
/// `ZONETOP_RECORD_SNAPSHOTS=1 swift test --filter RenderSnapshotTests`).
@Suite(.serialized) struct RenderSnapshotTests {
  static let sizes = [(80, 24), (120, 40)]

  /// The demo replayed to 10:05:00 (a full 5-minute window) in the TUI loop, on `view`.
  static func demoState(view: View, configure: (inout AppState) -> Void = { _ in }) throws -> (AppState, TUILoop) {
    let (loop, _) = Demo.loop(keys: [.char(Character(String(view.rawValue)))])
    var state = loop.state
    configure(&state)
    return (state, loop)
  }

  static func assertSnapshot(_ name: String, _ buffer: CellBuffer, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let path = "\(TestPaths.repo)/Tests/ZoneTopUnitTests/Snapshots/\(name).txt"
    let actual = buffer.lines.joined(separator: "\n") + "\n"
    if getenv("ZONETOP_RECORD_SNAPSHOTS") != nil || !Files.exists(path) {
      // Recording is never a pass: a missing or re-recorded snapshot fails until it is committed.
      try Files.writeAtomically(Array(actual.utf8), to: path)
      Issue.record(
        Comment(rawValue: "snapshot \(name) recorded at \(path): check it and run the tests again"),
        sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: try Files.read(path), as: UTF8.self)
    if actual != expected {
      let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
      var diff: [String] = []
      for i in 0..<max(a.count, e.count) where (i < a.count ? a[i] : nil) != (i < e.count ? e[i] : nil) {
        diff.append("line \(i + 1):\n- \(i < e.count ? String(e[i]) : "")\n+ \(i < a.count ? String(a[i]) : "")")
      }
      let shown = diff.prefix(12).joined(separator: "\n")
      Issue.record(
        Comment(rawValue: "snapshot \(name) differs (ZONETOP_RECORD_SNAPSHOTS=1 re-records):\n\(shown)"),
        sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: View.allCases)
  func everyViewAtBothSizes(_ view: View) throws {
    let (state, _) = try Self.demoState(view: view)
    for (w, h) in Self.sizes {
      let (buffer, _) = Renderer.render(state, width: w, height: h)
      try Self.assertSnapshot("\(view.title.lowercased())-\(w)x\(h)", buffer)
    }
  }

  @Test func drillDownHelpUnitsAndTooSmall() throws {
    let (zones, _) = try Self.demoState(view: .zones)
    let state = Demo.loop(keys: [.char("1"), .down, .down, .right, .enter]).0.state
    #expect(state.drill != nil)
    #expect(!state.sparklines.isEmpty)
    try Self.assertSnapshot("drill-120x40", Renderer.render(state, width: 120, height: 40).0)
    var help = zones
    _ = help.update(.char("?"))
    try Self.assertSnapshot("help-80x24", Renderer.render(help, width: 80, height: 24).0)
    var cost = zones
    _ = cost.update(.char("u"))
    _ = cost.update(.char("u"))
    try Self.assertSnapshot("zones-cost-80x24", Renderer.render(cost, width: 80, height: 24).0)
    let small = Renderer.render(zones, width: 60, height: 15).0
    #expect(small.lines.contains { $0.contains("terminal too small:") })
    #expect(small.lines.contains { $0.contains("need 64 x 16") })
  }

  /// The views and strips this issue added, at the smallest and a large terminal.
  @Test func newViewsAt80x24And200x60() throws {
    let (namespaces, _) = try Self.demoState(view: .namespaces)
    let (trend, _) = try Self.demoState(view: .trend)
    var flows = try Self.demoState(view: .flows).0
    _ = flows.update(.char("<"))
    _ = flows.update(.char("I"))
    var command = try Self.demoState(view: .zones).0
    for k in [Key.char(":"), .char("u"), .char("n"), .tab, .tab] { _ = command.update(k) }
    var helpState = try Self.demoState(view: .zones).0
    helpState.version = "zonetop 0.0.0 (test)"
    _ = helpState.update(.char("?"))
    for (w, h) in [(80, 24), (200, 60)] {
      try Self.assertSnapshot("namespaces-\(w)x\(h)", Renderer.render(namespaces, width: w, height: h).0)
      try Self.assertSnapshot("trend-\(w)x\(h)", Renderer.render(trend, width: w, height: h).0)
      try Self.assertSnapshot("flows-sorted-\(w)x\(h)", Renderer.render(flows, width: w, height: h).0)
      try Self.assertSnapshot("command-\(w)x\(h)", Renderer.render(command, width: w, height: h).0)
      try Self.assertSnapshot("help-\(w)x\(h)-version", Renderer.render(helpState, width: w, height: h).0)
    }
  }

  @Test func aNarrowHeaderKeepsBothRatesAndTheCost() throws {
    let (state, _) = try Self.demoState(view: .zones)
    let header = Renderer.render(state, width: 72, height: 24).0.lines[1]
    #expect(header.contains("x-zone ") && header.contains("x-region ") && header.contains("/mo"), "\(header)")
  }

  @Test func healthKeepsTargetsApartWhenNamesAreLongAndSortsThem() {
    var state = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    state.view = .health
    state.health = [7, 0, 3].map { i in
      var h = TargetHealth(target: "http://127.0.0.1:46117/hostile/a-very-long-path-name-for-target-\(i)/metrics")
      h.up = true
      h.scrapes = 10
      return h
    }
    state.targetsTotal = 3
    state.targetsUp = 3
    let lines = Renderer.render(state, width: 80, height: 24).0.lines
    let rows = lines.filter { $0.contains("…") }
    #expect(rows.count == 3)
    #expect(rows.map { $0.contains("target-0 ") } == [true, false, false])
    #expect(rows.map { $0.contains("target-7 ") } == [false, false, true])
  }

  @Test func nothingRawReachesTheScreen() {
    var flows = FlowTable()
    let evil = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{202E}txt"
    _ = flows.id(
      for: FlowKey(
        reporter: .source, sourceWorkload: evil, sourceNamespace: evil, destinationWorkload: "d",
        destinationNamespace: "n", destinationService: evil,
        source: Locality(region: evil, zone: evil), destination: Locality(region: "r", zone: "z"), hasLocality: true))
    let report = Aggregator.report(
      flows: flows, counts: [Counts(received: 100, sent: 100, opened: 1)], present: [true],
      windowStartMs: 0, windowEndMs: 5000, options: ReportOptions())
    for view in View.allCases {
      var state = AppState(sourceLabel: evil, isDemo: false, isReplay: false)
      state.view = view
      state.report = report
      var h = TargetHealth(target: evil)
      h.lastError = evil
      state.health = [h]
      let (b, _) = Renderer.render(state, width: 120, height: 40)
      #expect(
        !b.cells.contains {
          $0.scalar.value < 0x20 || ($0.scalar.value >= 0x7F && $0.scalar.value < 0xA0) || $0.scalar == "\u{202E}"
        }, "\(view)")
    }
  }

  @Test func asciiFallbackWithoutUTF8() throws {
    let (state, _) = try Self.demoState(view: .services)
    let (b, _) = Renderer.render(state, width: 120, height: 40, ascii: true)
    #expect(!b.cells.contains { $0.scalar.value > 0x7E })
  }

  /// With `--kube` discovery: Health shows each node's zone (and which nodes have none),
  /// Services which services ask for same-zone routing.
  @Test func discoveryAddsNodeZonesAndServiceRouting() throws {
    let configure: (inout AppState) -> Void = { state in
      var d = DiscoveryStatus(summary: "12 ztunnel pods (app=ztunnel in istio-system) via pod proxy, context test")
      d.nodes["http://10.128.0.11:15020/metrics"] = NodeLocality(node: "n1", zone: "us-east1-b", region: "us-east1")
      d.nodes["http://10.128.0.12:15020/metrics"] = NodeLocality(node: "n2", zone: nil, region: nil)
      d.services["frontend.shop"] = ServiceRouting(trafficDistribution: "PreferSameZone", from: "spec")
      d.error = "listing services: HTTP 403 (RBAC: see the README for the role zonetop needs)"
      state.discovery = d
    }
    let (health, _) = try Self.demoState(view: .health, configure: configure)
    try Self.assertSnapshot("kube-health-120x40", Renderer.render(health, width: 120, height: 40).0)
    let (services, _) = try Self.demoState(view: .services, configure: configure)
    let buffer = Renderer.render(services, width: 120, height: 40).0
    try Self.assertSnapshot("kube-services-120x40", buffer)
    let text = buffer.lines.joined(separator: "\n")
    #expect(text.contains("1 service asks for same-zone routing"))
    // The services CSV carries the routing too.
    let csv = ReportExport.viewCSV(services)!.text
    #expect(csv.split(whereSeparator: \.isNewline).first?.hasSuffix(",traffic_distribution") == true)
    #expect(csv.contains(",PreferSameZone\r\n"))
  }
}
