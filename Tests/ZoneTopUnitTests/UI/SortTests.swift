import Testing
import ZoneTopApp
import ZoneTopTraffic
import ZoneTopUI

/// Sorting the tables by any column (`<` `>` `I`) and a selection that stays on its item.
@Suite struct SortTests {
  /// The header line of the table on a 120x40 screen (the line with the first column's title).
  func header(_ lines: [String], _ title: String) -> String { lines.first { $0.contains(title) } ?? "" }

  @Test func flowsStartByCostAndTheArrowMovesWithTheColumn() throws {
    let (_, screen) = Demo.loop(keys: [.char("3")])
    #expect(header(screen.lines, "SOURCE →").contains("USD/MONTH▼"))
    #expect(screen.lines.joined().contains("sorted by cost ▼"))
    // `<` moves one column left, to SHARE; the rows go by crossing bytes, biggest first.
    let (left, leftScreen) = Demo.loop(keys: [.char("3"), .char("<")])
    #expect(left.state.sort(for: .flows) == TableSort(column: .share, descending: true))
    let h = header(leftScreen.lines, "SOURCE →")
    #expect(h.contains("SHARE▼") && !h.contains("USD/MONTH▼"), "\(h)")
    let rows = ViewRows.flowRows(try #require(left.state.report), left.state)
    let cross = rows.map(\.1.crossBytes)
    #expect(cross == cross.sorted(by: >) && rows.count > 3)
    #expect(left.state.status?.hasPrefix("sorted by share of crossing bytes ▼") == true)
    // `I` inverts: smallest first, the arrow points up.
    let (inverted, invertedScreen) = Demo.loop(keys: [.char("3"), .char("<"), .char("I")])
    let up = ViewRows.flowRows(try #require(inverted.state.report), inverted.state).map(\.1.crossBytes)
    #expect(up == cross.reversed())
    #expect(header(invertedScreen.lines, "SOURCE →").contains("SHARE▲"))
  }

  @Test func theSortWrapsAroundAndNamesStartAToZ() throws {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    s.view = .services
    // cost is the last column: `>` wraps to the first, the service name, A to Z.
    _ = s.update(.char(">"))
    #expect(s.sort(for: .services) == TableSort(column: .name, descending: false))
    _ = s.update(.char("<"))
    #expect(s.sort(for: .services) == TableSort(column: .cost, descending: true))
    // Each table keeps its own sort.
    #expect(s.sort(for: .flows) == Table.flows.defaultSort)
    s.view = .zones
    _ = s.update(.char(">"))
    #expect(s.status?.contains("sort the tables") == true)
  }

  @Test func servicesByNameAndHealthByFailures() throws {
    let (services, _) = Demo.loop(keys: [.char("4"), .char(">")])
    let names = ViewRows.serviceRows(try #require(services.state.report), services.state).map(\.service)
    #expect(names == names.sorted() && names.count > 3)
    var health = services.state
    health.view = .health
    _ = health.update(.char(">"))
    #expect(health.sort(for: .health) == TableSort(column: .state, descending: false))
    let lines = Renderer.render(health, width: 120, height: 40).0.lines
    #expect(header(lines, "TARGET").contains("STAT▲"))
  }

  @Test func theSelectionStaysOnItsHopWhenTheSortChanges() throws {
    let (loop, _) = Demo.loop(keys: [.char("3"), .down, .down, .down])
    var s = loop.state
    let report = try #require(s.report)
    let picked = ViewRows.flowRows(report, s)[3].0
    #expect(s.selectedItem == .hop(picked))
    _ = s.update(.char(">"))  // to REQ →
    let rows = ViewRows.flowRows(report, s)
    #expect(rows[s.row].0 == picked)
    #expect(rows.firstIndex { $0.0 == picked } == s.row)
  }

  /// A refresh that reorders the rows (here: one hop becomes the costliest) keeps the selection
  /// on the hop it was on, as `TUILoop.refresh` does with `follow`.
  @Test func theSelectionFollowsItsItemWhenTheDataRefreshes() throws {
    let (loop, _) = Demo.loop(keys: [.char("3"), .down, .down])
    var s = loop.state
    var report = try #require(s.report)
    let rows = ViewRows.flowRows(report, s)
    let selected = rows[2].0
    #expect(s.followedItem == .hop(selected))
    // The hop at the bottom becomes the costliest: every row above the selection moves down one.
    let last = try #require(rows.last?.0)
    report.hops[last]?.costUSD = 1e9
    s.report = report
    s.follow(s.followedItem)
    let now = ViewRows.flowRows(report, s)
    #expect(now[0].0 == last)
    #expect(s.row == 3 && now[s.row].0 == selected)
  }

  @Test func aDrillDownSortsByItsColumnsToo() throws {
    // The drill-down of the costliest cell starts by cost; `<` goes to the bytes column left of it.
    let (loop, screen) = Demo.loop(keys: [.char("1"), .char("c"), .enter, .char("<")])
    #expect(loop.state.sort(for: .drill) == TableSort(column: .bytes, descending: true))
    #expect(header(screen.lines, "HOP").contains("B/s▼"))
    let rows = ViewRows.drillRows(try #require(loop.state.report), loop.state)
    #expect(rows.map(\.bytes) == rows.map(\.bytes).sorted(by: >) && rows.count > 1)
    let (back, _) = Demo.loop(keys: [.char("1"), .char("c"), .enter, .char("<"), .char(">")])
    let byCost = ViewRows.drillRows(try #require(back.state.report), back.state)
    #expect(byCost.map(\.costUSD) == byCost.map(\.costUSD).sorted(by: >))
  }
}
