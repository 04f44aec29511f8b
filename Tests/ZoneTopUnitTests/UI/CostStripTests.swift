import Testing
import ZoneTopApp
import ZoneTopTraffic
import ZoneTopUI

/// The cost-first strip and `c`: the costliest crossing pair is on screen and one key away.
@Suite struct CostStripTests {
  @Test func cJumpsToTheCostliestCellAndEnterListsItsHops() throws {
    let (loop, screen) = Demo.loop(keys: [.char("c")])
    let report = try #require(loop.state.report)
    let ranked = CostStrip.entries(report, regions: false)
    let top = try #require(ranked.first)
    // Ranked by cost, never the free diagonal.
    #expect(ranked.allSatisfy { $0.row != $0.column && $0.costPerMonth > 0 })
    #expect(ranked.map(\.costPerMonth) == ranked.map(\.costPerMonth).sorted(by: >))
    let best = report.zonePairs.filter { $0.key.from != $0.key.to }.max { $0.value.costUSD < $1.value.costUSD }!
    #expect(report.zones[top.row] == best.key.from && report.zones[top.column] == best.key.to)
    #expect((loop.state.row, loop.state.column) == (top.row, top.column))
    #expect(loop.state.status?.hasPrefix("costliest: \(top.from) → \(top.to), ") == true)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("costliest crossing pairs (c jumps to the first)"))
    #expect(text.contains("1. \(top.from)"), "\(text)")
    // Enter opens that cell's hops.
    var state = loop.state
    _ = state.update(.enter)
    #expect(state.drill == best.key)
  }

  @Test func cSaysWhereItWorksElsewhere() {
    var s = AppState(sourceLabel: "x", isDemo: false, isReplay: false)
    _ = s.update(.char("3"))
    _ = s.update(.char("c"))
    #expect(s.status == "c jumps to the costliest cell of the Zones and Regions matrices")
  }
}
