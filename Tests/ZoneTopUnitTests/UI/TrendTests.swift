import Testing
import ZoneTopApp
import ZoneTopTraffic
import ZoneTopUI

/// The Trend view: USD/month and the crossing rate per round over the kept history.
@Suite struct TrendTests {
  @Test func onePointARoundWhoseAverageIsTheWindowsCost() throws {
    let (loop, screen) = Demo.loop(keys: [.char("7")])
    let points = loop.state.trend
    let r = try #require(loop.state.report)
    #expect(points.count >= 55 && points.count <= 61, "\(points.count)")
    #expect(zip(points, points.dropFirst()).allSatisfy { $0.endMs < $1.endMs })
    #expect(points.last?.endMs == r.windowEndMs)
    // Each point is its round's own report: the counting rules, priced, at the round's rate.
    let last = try #require(loop.data.history.rounds.last)
    let one = loop.data.history.report(fromMs: last.startMs, toMs: last.endMs, options: r.options)
    // (Sums in another order differ in the last bits.)
    let point = try #require(points.last)
    #expect(abs(point.costPerMonth - one.perMonth(one.totalCostUSD)) < 1e-6)
    #expect(point.crossZoneRate == one.perSecond(one.bytesByScope[.crossZone] ?? 0))
    // Their mean is near the window's (a round of staggered scrapes spans a little more than an interval).
    let mean = points.map(\.costPerMonth).reduce(0, +) / Double(points.count)
    let window = r.perMonth(r.totalCostUSD)
    #expect(abs(mean - window) / window < 0.1, "\(mean) vs \(window)")
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("USD/month at each round's rate"))
    #expect(text.contains("█") && text.contains("crossing rate (cross-zone + cross-region)"))
    #expect(text.contains("now \(NumberText.usd(try #require(points.last).costPerMonth))"))
  }

  @Test func aFilterChangesTheGraphAndTheExportIsItsPoints() throws {
    let (all, _) = Demo.loop(keys: [.char("7")])
    let (edge, _) = Demo.loop(keys: [.char("7"), .char(":")] + "ns edge".map { .char($0) } + [.enter])
    let a = try #require(all.state.trend.last)
    let e = try #require(edge.state.trend.last)
    #expect(e.costPerMonth < a.costPerMonth && e.costPerMonth > 0)
    let csv = try #require(ReportExport.viewCSV(all.state))
    #expect(csv.name == "trend" && csv.rows == all.state.trend.count)
    #expect(csv.text.hasPrefix("round_end,cost_usd_per_month,cross_zone_bytes_per_second,"))
  }

  @Test func withoutUTF8TheGraphIsASCII() throws {
    let (loop, _) = Demo.loop(keys: [.char("7")])
    let b = Renderer.render(loop.state, width: 80, height: 24, ascii: true).0
    #expect(!b.cells.contains { $0.scalar.value > 0x7E })
    #expect(b.lines.contains { $0.contains("#") })
  }
}
