import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Key handling on the pure update function.
@Suite struct UpdateTests {
  func state() -> AppState { AppState(sourceLabel: "t", isDemo: false, isReplay: true) }

  @Test func viewsSwitchByNumberAndTab() {
    var s = state()
    _ = s.update(.char("3"))
    #expect(s.view == .flows)
    _ = s.update(.tab)
    #expect(s.view == .services)
    _ = s.update(.tab)
    _ = s.update(.tab)
    #expect(s.view == .namespaces)
    _ = s.update(.tab)
    #expect(s.view == .trend)
    _ = s.update(.tab)
    #expect(s.view == .zones)
    _ = s.update(.backTab)
    #expect(s.view == .trend)
  }

  @Test func quitAndInterrupt() {
    var s = state()
    #expect(s.update(.char("q")) == [.quit])
    #expect(s.update(.interrupt) == [.quit])
  }

  @Test func unitsSortPolicyCycle() {
    var s = state()
    _ = s.update(.char("u"))
    #expect(s.units == .bytes)
    _ = s.update(.char("u"))
    _ = s.update(.char("u"))
    #expect(s.units == .rate)
    _ = s.update(.char("3"))
    _ = s.update(.char(">"))
    #expect(s.sort(for: .flows) == TableSort(column: .request, descending: true))
    #expect(s.update(.char("r")) == [.policyChanged])
    #expect(s.policy == .source)
  }

  @Test func filterIsTypedAppliedAndCleared() {
    var s = state()
    _ = s.update(.char("/"))
    for c in "shop" { _ = s.update(.char(c)) }
    _ = s.update(.backspace)
    #expect(s.filterDraft == "sho")
    #expect(s.update(.enter) == [.filterChanged])
    #expect(s.filter == "sho")
    #expect(s.update(.escape) == [.filterChanged])
    #expect(s.filter == "")
    _ = s.update(.char("/"))
    _ = s.update(.char("\u{1B}"))
    #expect(s.filterDraft == "")
  }

  /// D19: the filter prompt takes Ctrl-U (clear) and Ctrl-W (last word) like a shell.
  @Test func filterPromptTakesCtrlUAndCtrlW() {
    var s = state()
    _ = s.update(.char("/"))
    for c in "shop cart" { _ = s.update(.char(c)) }
    _ = s.update(.char("\u{17}"))
    #expect(s.filterDraft == "shop ")
    _ = s.update(.char("\u{15}"))
    #expect(s.filterDraft == "")
  }

  @Test func pauseSpeedStep() {
    var s = state()
    #expect(s.update(.char(" ")) == [.pauseChanged])
    #expect(s.paused)
    #expect(s.update(.char("+")) == [.speed(2)])
    #expect(s.update(.char("-")) == [.speed(1)])
    #expect(s.update(.char("]")) == [.step(1)])
    #expect(s.update(.char("[")) == [.step(-1)])
    var live = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    #expect(live.update(.char("+")) == [])
  }

  @Test func exportAndHelp() {
    var s = state()
    #expect(s.update(.char("e")) == [.export(.zones)])
    _ = s.update(.char("?"))
    #expect(s.showHelp)
    _ = s.update(.char("x"))
    #expect(!s.showHelp)
  }

  @Test func selectionMovesWithinTheMatrixAndDrillsDown() throws {
    let (demo, _) = try RenderSnapshotTests.demoState(view: .zones)
    var s = demo
    for _ in 0..<50 { _ = s.update(.right) }
    #expect(s.column == s.report!.zones.count - 1)
    _ = s.update(.enter)
    #expect(s.drill?.to == s.report!.zones.last)
    _ = s.update(.escape)
    #expect(s.drill == nil)
  }

  @Test func mouseClickSelectsACell() throws {
    // The loop turns a click into the cell under it, from where the last frame drew the matrix.
    let (plain, _) = Demo.loop()
    let (_, layout) = Renderer.render(plain.state, width: 120, height: 40)
    let m = try #require(layout)
    let click = Key.mouse(x: m.x + m.rowLabelWidth + 2 * m.cellWidth + 1, y: m.y + 3)
    let (loop, _) = Demo.loop(keys: [click], mouse: true)
    #expect(loop.state.row == 3 && loop.state.column == 2)
    let (ignored, _) = Demo.loop(keys: [click], mouse: false)
    #expect(ignored.state.row == 0 && ignored.state.column == 0)
  }
}
