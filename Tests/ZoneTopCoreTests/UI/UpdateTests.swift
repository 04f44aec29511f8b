import Testing
import ZoneTopCore

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
    #expect(s.view == .zones)
    _ = s.update(.backTab)
    #expect(s.view == .health)
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
    _ = s.update(.char("s"))
    #expect(s.sortKey == .cross)
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
    let (demo, _) = try RenderSnapshotTests.demoState(view: .zones)
    var s = demo
    s.mouseEnabled = true
    let (_, layout) = Renderer.render(s, width: 120, height: 40)
    s.matrixLayout = layout
    let m = layout!
    _ = s.update(.mouse(x: m.x + m.rowLabelWidth + 2 * m.cellWidth + 1, y: m.y + 3))
    #expect(s.row == 3 && s.column == 2)
  }
}
