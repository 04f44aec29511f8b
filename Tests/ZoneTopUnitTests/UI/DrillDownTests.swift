import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopTraffic
import ZoneTopUI

/// Flows split by scope, and every drill-down: matrix cells, Flows rows, Services rows.
@Suite struct DrillDownTests {
  /// D11: a hop's bytes in its own scope columns, SHARE explained, the scope columns kept at 80 columns.
  @Test func flowsSplitEachHopByScope() throws {
    let (loop, screen) = Demo.loop(width: 80, height: 24, keys: [.char("3")])
    let report = try #require(loop.state.report)
    let lines = screen.lines
    let header = try #require(lines.first { $0.contains("SOURCE → DESTINATION") })
    for title in ["X-ZONE", "X-REGION", "UNKNOWN", "SHARE", "USD/MONTH"] {
      #expect(header.contains(title), "\(title) missing at 80 columns: \(header)")
    }
    // The free same-zone bytes are the first to go at 80 columns (they are there at 120).
    let (_, wide) = Demo.loop(width: 120, height: 40, keys: [.char("3")])
    #expect(wide.lines.contains { $0.contains("SOURCE → DESTINATION") && $0.contains("SAME-ZONE") })
    #expect(lines.contains { $0.contains("SHARE: of all crossing bytes") })
    let (hop, stats) = try #require(ViewRows.flowRows(report, loop.state).first)
    // The top hop crosses regions with only part of its bytes: each scope has its own number.
    let region = stats.byScope[.crossRegion] ?? 0
    #expect(region > 0 && region < stats.bytes)
    let row = try #require(lines.first { $0.contains(hop.sourceWorkload) })
    let fields = row.split(separator: " ").map(String.init)
    for scope in [Scope.crossZone, .crossRegion] {
      let v = Renderer.shortNumber(report.perSecond(stats.byScope[scope] ?? 0))
      #expect(fields.contains(v), "\(scope) \(v) not in \(row)")
    }
  }

  /// D31: Enter on a Flows row lists the hop's zone pairs, which add up to the hop; Esc goes back;
  /// `e` exports those rows.
  @Test func enterOnAFlowsRowListsItsZonePairs() throws {
    let dir = NSTemporaryDirectory() + "zonetop-flowdrill-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (loop, screen) = Demo.loop(keys: [.char("3"), .enter, .char("e")], exportDirectory: dir)
    let state = loop.state
    let report = try #require(state.report)
    let (hop, stats) = try #require(ViewRows.flowRows(report, state).first)
    #expect(state.drillHop == hop)
    let rows = ViewRows.drillRows(report, state)
    #expect(rows.count > 1 && rows.allSatisfy { $0.hop == hop })
    #expect(rows.reduce(UInt64(0)) { $0 + $1.bytes } == stats.bytes)
    #expect(abs(rows.reduce(0.0) { $0 + $1.costUSD } - stats.costUSD) < 1e-9)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("its zone pairs") && text.contains("SOURCE ZONE → DESTINATION ZONE"))
    #expect(text.contains("SCOPE") && text.contains("USD/MONTH"))
    #expect(
      state.status?.hasPrefix("exported \(rows.count) rows to \(dir)/zonetop-drill-") == true, "\(state.status ?? "")")
    let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
    let csv = try String(contentsOfFile: dir + "/" + file, encoding: .utf8).components(separatedBy: "\r\n")
    #expect(csv[0].contains(",direction,scope,bytes,"))
    #expect(csv.count == rows.count + 2)
    screen.events = [.key(.escape)]
    loop.turn(timeoutMs: 0)
    #expect(!loop.state.isDrilling && loop.state.view == .flows)
    // At 80 columns the direction and scope stay (a hop's request and response rows differ).
    let (_, narrow) = Demo.loop(width: 80, height: 24, keys: [.char("3"), .enter])
    let header = try #require(narrow.lines.first { $0.contains("SOURCE ZONE") })
    #expect(header.contains("DIR") && header.contains("SCOPE") && header.contains("USD/MONTH"), "\(header)")
  }

  /// D31: Enter on a Services row lists its clients by source zone; they add up to the service.
  @Test func enterOnAServicesRowListsItsClientsByZone() throws {
    let (loop, screen) = Demo.loop(keys: [.char("4"), .enter])
    let state = loop.state
    let report = try #require(state.report)
    let service = try #require(ViewRows.serviceRows(report, state).first)
    #expect(state.drillService == service.service)
    let rows = ViewRows.drillRows(report, state)
    #expect(rows.count > 1 && rows.allSatisfy { $0.hop == nil && $0.request == nil })
    #expect(rows.reduce(UInt64(0)) { $0 + $1.bytes } == service.bytes)
    #expect(Set(rows.map(\.scope)).count > 1)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("clients of \(service.service) by source zone"))
    #expect(text.contains("CLIENT ZONE → SERVICE ZONE"))
  }

  /// D31: a Regions same-region cell says so in its title and splits its hops by scope.
  @Test func aSameRegionCellShowsItsScopes() throws {
    let (loop, screen) = Demo.loop(keys: [.char("2"), .enter])
    let region = try #require(loop.state.drillRegion)
    #expect(region.from == region.to)
    let rows = ViewRows.drillRows(try #require(loop.state.report), loop.state)
    #expect(Set(rows.map(\.scope)) == [.sameZone, .crossZone])
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("(same region: same-zone and cross-zone hops)"))
    #expect(text.contains(" same-zone ") && text.contains(" cross-zone "))
  }

  /// D13: each row's sparkline is its own bytes (request and response of one hop differ), and the
  /// baseline round is not drawn as a dip at the start.
  @Test func sparklinesBelongToTheRowAndSkipTheBaseline() throws {
    let (loop, _) = Demo.loop(keys: [.char("1"), .enter])
    let state = loop.state
    let rows = ViewRows.drillRows(try #require(state.report), state)
    let req = try #require(rows.first { $0.request == true && (state.sparklines[$0.id]?.count ?? 0) > 0 })
    let resp = try #require(rows.first { $0.hop == req.hop && $0.request == false })
    let a = try #require(state.sparklines[req.id])
    let b = try #require(state.sparklines[resp.id])
    #expect(a != b)
    // The rounds of 5 s so far, without the baseline (which would be a 0 at the start).
    let counted = loop.data.history.rounds.filter { $0.endMs > $0.startMs }.count
    #expect(loop.data.history.rounds.count == counted + 1)
    #expect(a.count == min(60, counted) && a.allSatisfy { $0 > 0 }, "\(a.prefix(3))")
    // The last point is the row's own bytes in the newest round, not the whole hop's.
    let round = try #require(loop.data.history.rounds.last)
    let bytes = round.deltas.reduce(UInt64(0)) { req.flows.contains($1.0) ? $0 + $1.1.received : $0 }
    #expect(abs((a.last ?? 0) - Double(bytes) / (Double(round.endMs - round.startMs) / 1000)) < 1e-6)
  }

  /// D16 and D18: unknown locality is spelled `unknown` in the matrix headers, and a filter that
  /// leaves one zone of a region keeps the region's name whole.
  @Test func unknownIsOneWordAndFilteredRegionHeadersStayWhole() throws {
    let (plain, screen) = Demo.loop(width: 80, height: 24)
    _ = plain
    let groupLine = screen.lines[4]
    #expect(groupLine.contains("unknown") && !groupLine.contains("?"), "\(groupLine)")
    #expect(!screen.lines[5].contains("?"), "\(screen.lines[5])")
    #expect(screen.lines.contains { $0.contains("colour: low") })
    let keys: [Key] = [.char("/")] + "eu-frontend".map { .char($0) } + [.enter]
    let (_, filtered) = Demo.loop(width: 200, height: 60, keys: keys)
    let header = filtered.lines[4]
    #expect(
      header.contains("asia-east1") && header.contains("us-east1") && header.contains("europe-west1"), "\(header)")
  }
}
