import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopTraffic
import ZoneTopUI

/// D30: Health counts restarts (a scrape in which series reset), not series.
@Suite struct RestartTests {
  @Test func aScrapeWithManyResetsIsOneRestart() {
    var tally = RestartTally()
    var h = TargetHealth(target: "a")
    tally.note(h)
    h.counterResets = 100  // one restart: 100 series reset in one scrape
    tally.note(h)
    tally.note(h)  // the next scrape, nothing new
    #expect(tally.restarts["a"] == 1)
    h.counterResets = 101
    tally.note(h)
    #expect(tally.restarts["a"] == 2)
    tally.remove("a")
    #expect(tally.restarts["a"] == nil)
  }

  @Test func theDemosRestartIsOneInHealth() throws {
    let replay = ReplaySource(source: Demo.recording)
    replay.advance(toMs: replay.endMs)
    replay.isPaused = true
    let screen = InMemoryScreen(width: 120, height: 40, events: [.key(.char("5"))])
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { 0 })
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let series = loop.state.health.reduce(0) { $0 + $1.counterResets }
    let restarts = loop.state.restarts.values.reduce(0, +)
    #expect(series > 10)
    #expect(restarts >= 1 && restarts < series)
    #expect(loop.state.restarts.count == restarts, "one restart per restarted ztunnel: \(loop.state.restarts)")
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("RESTARTS"))
    #expect(text.contains("counter restarts seen: \(restarts) (\(series) series reset)"), "\(text)")
    let csv = try #require(ReportExport.viewCSV(loop.state)).text
    #expect(
      csv.hasPrefix(
        "target,up,scrapes,failures,last_scrape,latency_seconds,series,invalid_lines,counter_resets,restarts,"))
  }
}
