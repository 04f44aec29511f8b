import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// D15 and D20: the clock is the time of the numbers on screen, and status messages say what
/// the keys did in this mode.
@Suite struct ClockAndStatusTests {
  /// Stepped while paused, the header clock, the export's window_end and the report agree, and
  /// a replay of another day shows its date.
  @Test func aSteppedReplaysClockIsTheWindowsEnd() throws {
    let (loop, screen) = Demo.loop(
      keys: [.char("]"), .char("]"), .char("3"), .char("e")], exportDirectory: "/nonexistent")
    let report = try #require(loop.state.report)
    let end = RFC3339.format(ms: report.windowEndMs - report.windowEndMs % 1000)  // 2025-03-03T10:05:10Z
    let day = String(end.prefix(10))
    let time = String(end.dropFirst(11).dropLast())
    #expect(screen.lines[1].contains("\(day) \(time)"), "\(screen.lines[1]) vs \(end)")
    let csv = try #require(ReportExport.viewCSV(loop.state)).text
    let row = try #require(csv.split(separator: "\r\n").dropFirst().first)
    #expect(row.contains(",\(RFC3339.format(ms: report.windowEndMs)),"), "\(row)")
    #expect(RFC3339.format(ms: report.windowEndMs).hasPrefix(String(end.dropLast())))
  }

  /// Paused live: new polls and a new filter leave the clock and the window where they were.
  @Test func aFilterWhilePausedLiveDoesNotMoveTheClock() throws {
    let source = FakeSource()
    let screen = InMemoryScreen(width: 120, height: 30)
    let loop = TUILoop(
      source: source, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { 0 }, wallMs: { 1_741_000_000_000 })
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 1000, newFlow: true)]
    loop.turn(timeoutMs: 0)
    screen.events = [.key(.char("p"))]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.status == "paused: the display is frozen, collection goes on")
    source.queued = [FakeSource.poll(endMs: 1_741_000_010_000, bytes: 9000, newFlow: false)]
    loop.turn(timeoutMs: 0)
    screen.events = [.key(.char("/")), .key(.char("c")), .key(.enter)]
    for _ in 0..<4 { loop.turn(timeoutMs: 0) }
    #expect(loop.state.filter == "c")
    #expect(loop.state.report?.windowEndMs == 1_741_000_005_000)
    #expect(loop.state.nowMs == 1_741_000_005_000)
    #expect(screen.lines[1].contains("11:06:45") && !screen.lines[1].contains("2025-"), "\(screen.lines[1])")
    screen.events = [.key(.char("p"))]
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    #expect(loop.state.report?.windowEndMs == 1_741_000_010_000)
  }

  @Test func pauseAndStepSayWhatTheyDoInEachMode() {
    var replay = AppState(sourceLabel: "t", isDemo: false, isReplay: true)
    _ = replay.update(.char("p"))
    #expect(replay.status == "paused (p resumes; [ ] step)")
    var live = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    _ = live.update(.char("p"))
    #expect(live.status?.contains("collection goes on") == true)
    for key in ["[", "]"] {
      var l = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
      #expect(l.update(.char(Character(key))) == [])
      #expect(l.status == "[ and ] step through replays")
    }
  }

  /// The end of a replay stays on screen after another message replaced it.
  @Test func theEndStaysSaid() throws {
    let replay = ReplaySource(source: Demo.recording)
    replay.advance(toMs: replay.endMs)
    let screen = InMemoryScreen(width: 120, height: 40)
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { 0 })
    loop.turn(timeoutMs: 0)
    #expect(loop.state.atEnd)
    screen.events = [.key(.char("u")), .key(.char("3"))]
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    #expect(screen.lines[1].contains("■ END"))
    #expect(
      screen.lines[38].contains("end of the recording: [ steps back, Home goes to the start, q quits"),
      "\(screen.lines[38])")
  }
}

/// D8: replaying one exposition file shows its totals (bytes, no rates) instead of nothing.
@Suite struct SingleFileReplayTests {
  @Test func oneScrapeShowsItsTotals() throws {
    let path = TestPaths.repo + "/Fixtures/demo/scrapes/gke-use1-c-2/1740996000111.prom.gz"
    let source = try OfflineSource(path: path)
    #expect(source.kind == .file)
    let replay = ReplaySource(source: source)
    replay.advance(toMs: replay.endMs)
    let screen = InMemoryScreen(width: 120, height: 40)
    var options = TUIOptions(report: ReportOptions(), windowMs: 300_000)
    options.units = .bytes
    let loop = TUILoop(source: replay, screen: screen, options: options, monotonic: { 0 })
    loop.turn(timeoutMs: 0)
    let report = try #require(loop.state.report)
    #expect(report.zonePairs.values.reduce(0) { $0 + $1.bytes } > 0)
    #expect(screen.lines.joined().contains("bytes in window"))
  }
}
