import Testing
import ZoneTopTraffic
import ZoneTopUI

/// Reliability report D19: wide and zero-width characters took one cell each (CJK
/// became `?`), so rows with such names shifted and left characters of earlier frames.
@Suite struct WideCharacterTests {
  @Test func widthsComeFromWcwidth() {
    #expect(DisplayWidth.of("東京-1a") == 7)
    #expect(DisplayWidth.of("⚡✅⌚") == 6)
    #expect(DisplayWidth.of("🚀") == 2)
    // Combining acute, ZERO WIDTH JOINER, WORD JOINER, VS16, a tag character: none.
    #expect(DisplayWidth.of("e\u{301}\u{200D}\u{2060}\u{FE0F}\u{E0041}") == 1)
    #expect(DisplayWidth.prefix("東京大阪", width: 5) == "東京")
    #expect(DisplayWidth.truncated("東京大阪", width: 5) == "東京…")
  }

  @Test func theCellBufferGivesWideCharactersTwoCells() {
    var b = CellBuffer(width: 10, height: 1)
    #expect(b.text("東京-e\u{301}x", x: 0, y: 0) == 7)
    #expect(b.lines == ["東京-ex"])
    #expect(b[1, 0].isWideTail && b[3, 0].isWideTail && b[4, 0].scalar == "-")
    // A wide character that does not fit in the last column is left out, not cut in half.
    var c = CellBuffer(width: 4, height: 1)
    c.text("ab東", x: 1, y: 0)
    #expect(c.lines == [" ab"])
    // Writing over half of a wide character blanks the other half.
    b.text("z", x: 1, y: 0)
    #expect(b.lines == [" z京-ex"])
    b.textRight("大阪", right: 10, y: 0)
    #expect(b.lines == [" z京-e大阪"])
  }

  static func line(_ src: String, _ dst: String, zone: String) -> String {
    "istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"\(src)\",source_workload_namespace=\"ns\","
      + "destination_workload=\"\(dst)\",destination_workload_namespace=\"ns\",destination_service=\"svc\","
      + "source_region=\"r\",source_zone=\"\(zone)\",destination_region=\"r\",destination_zone=\"r-b\"} 0\n"
  }

  /// Every view at 80x24 and 120x40: rows with CJK, emoji and combining names end where the ASCII rows end.
  @Test func namesWithThemStayAligned() {
    let names = [("東京-api", "大阪-db", "東京-1a"), ("plain-api", "plain-db", "r-a"), ("e\u{301}t\u{E9}-⚡", "🚀x", "r-c")]
    let engine = TrafficEngine()
    var history = TrafficHistory()
    for (k, t) in [Int64(1_741_000_000_000), 1_741_000_005_000].enumerated() {
      let body = names.map { Self.line($0.0, $0.1, zone: $0.2) }.joined().replacingOccurrences(
        of: "} 0\n", with: "} \(k * 123_456_789)\n")
      Array(body.utf8).withUnsafeBytes { _ = engine.ingest(target: "t", timeMs: t, body: $0, contentType: nil) }
      history.append(flows: Array(engine.flows.keys[history.flows.count...]))
      history.append(engine.takeRound(endMs: t))
    }
    var state = AppState(sourceLabel: "wide", isDemo: false, isReplay: false)
    state.report = history.report(windowMs: 60_000, options: ReportOptions())
    for (w, h) in [(80, 24), (120, 40)] {
      for v in View.allCases {
        state.view = v
        let (b, _) = Renderer.render(state, width: w, height: h)
        for line in b.lines { #expect(DisplayWidth.of(line) <= w, "\(v) \(w)x\(h): \(line)") }
        // CJK was drawn as `??`.
        #expect(!b.lines.joined().contains("??"), "\(v): \(b.lines.joined(separator: "\n"))")
        if v == .flows { #expect(b.lines.contains { $0.contains("ns/東京-api → svc") && $0.contains("33.3%") }) }
        // Rows naming a workload: their last drawn cell is in the same column.
        var ends: Set<Int> = []
        for y in 0..<h {
          let line = b.lines[y]
          guard names.contains(where: { line.contains($0.0) }) else { continue }
          ends.insert(DisplayWidth.of(line))
        }
        #expect(ends.count <= 1, "\(v) \(w)x\(h): \(b.lines.joined(separator: "\n"))")
      }
    }
  }
}
