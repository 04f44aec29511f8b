import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopTraffic
import ZoneTopUI

/// The TUI baseline (`b` pins, `B` clears) through the update function and the loop: pin a
/// window of the demo replay, move the replay on, see the change, clear it.
@Suite struct BaselineTests {
  @Test func pinMoveOnSeeTheChangeClear() throws {
    let replay = ReplaySource(source: Demo.recording)
    replay.advance(toMs: replay.startMs + 120_000)
    replay.isPaused = true
    let screen = InMemoryScreen(width: 160, height: 40)
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 60_000),
      monotonic: { 0 })
    loop.turn(timeoutMs: 0)
    func press(_ keys: Key...) {
      screen.events = keys.map { .key($0) }
      while !screen.events.isEmpty { loop.turn(timeoutMs: 0) }
      loop.turn(timeoutMs: 0)
    }
    func text() -> String { screen.lines.joined(separator: "\n") }
    // Nothing pinned: the change units are not offered.
    press(.char("u"), .char("u"), .char("u"))
    #expect(loop.state.units == .rate)
    press(.char("b"))
    let pinned = try #require(loop.state.baseline)
    #expect(loop.state.status?.hasPrefix("baseline pinned: ") == true, "\(loop.state.status ?? "")")
    #expect(
      loop.state.status?.contains("10:01:00–10:01:55 (55s): cross-zone 48.3 MB/s") == true, "\(loop.state.status ?? "")"
    )
    #expect(text().contains("vs baseline x-zone +0.0% x-region +0.0% +$0.00/mo"), "\(text())")
    // The replay moves on: the window changes, the baseline stays.
    replay.advance(toMs: replay.startMs + 480_000)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let r = try #require(loop.state.report)
    #expect(r.windowEndMs > pinned.zones.windowEndMs)
    #expect(text().contains("vs baseline x-zone "), "\(text())")
    press(.char("u"), .char("u"), .char("u"))
    #expect(loop.state.units == .change)
    #expect(text().contains("change vs baseline, bytes/s"), "\(text())")
    #expect(text().contains("less than the baseline"), "\(text())")
    // A cell's change is now minus then, and says so in words.
    let cell = r.zonePairs.first { $0.key.scope == .crossZone && $0.value.bytes > 0 }!
    let change = r.perSecond(cell.value.bytes) - pinned.zonePair(cell.key).bytesPerSecond
    #expect(abs(change) > 0)
    // Flows and Services show the baseline's column.
    press(.char("3"))
    #expect(text().contains("Δ USD/MO"), "\(text())")
    press(.char("4"))
    #expect(text().contains("BASELINE"), "\(text())")
    press(.char("1"), .char("B"))
    #expect(loop.state.baseline == nil && loop.state.units == .rate)
    #expect(loop.state.status == "baseline cleared")
    #expect(!text().contains("vs baseline"))
  }

  @Test func nothingToPinBeforeRates() {
    var s = AppState(sourceLabel: "x", isDemo: false, isReplay: false)
    _ = s.update(.char("b"))
    #expect(s.baseline == nil)
    #expect(s.status == "nothing to pin yet: a baseline needs a window with rates")
    _ = s.update(.char("B"))
    #expect(s.status == "no baseline pinned (b pins the current window)")
  }
}
