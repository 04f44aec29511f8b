import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// A source whose updates a test hands over; with playback when asked to.
final class FakeSource: MetricsSource {
  var queued: [SourceUpdate] = []
  var started = false
  var stopped = false
  let intervalMs: Int64 = 5000
  let label = "fake"
  var playback: (any Playback)? { nil }
  func start() { started = true }
  func stop() { stopped = true }
  func takeUpdates(realSeconds: Double) -> [SourceUpdate] {
    defer { queued.removeAll() }
    return queued
  }

  static let flow = FlowKey(
    reporter: .source, sourceWorkload: "client", sourceNamespace: "shop", destinationWorkload: "server",
    destinationNamespace: "shop", destinationService: "server.shop.svc.cluster.local",
    source: Locality(region: "us-east1", zone: "us-east1-b"),
    destination: Locality(region: "us-east1", zone: "us-east1-c"),
    hasLocality: true)

  /// One poll: `bytes` sent by the client between `endMs - 5 s` and `endMs`, with `up` of `targets` targets up.
  static func poll(
    endMs: Int64, bytes: UInt64, newFlow: Bool, up: Int = 1, targets: Int = 1, error: String = "connection refused"
  )
    -> SourceUpdate
  {
    var u = SourceUpdate()
    if newFlow { u.newFlows = [flow] }
    u.rounds = [
      TrafficRound(startMs: endMs - 5000, endMs: endMs, deltas: bytes > 0 ? [(Int32(0), Counts(received: bytes))] : [])
    ]
    u.health = (0..<targets).map { i in
      var h = TargetHealth(target: "http://10.0.0.\(i):15020/metrics")
      h.up = i < up
      if !h.up { h.lastError = error }
      return h
    }
    u.targetCount = targets
    u.nowMs = endMs
    return u
  }
}

@Suite struct TUILoopTests {
  func loop(
    _ source: any MetricsSource, events: [InputEvent] = [], width: Int = 100, height: Int = 30,
    exportDirectory: String = "."
  ) -> (TUILoop, InMemoryScreen) {
    let screen = InMemoryScreen(width: width, height: height, events: events)
    var options = TUIOptions(report: ReportOptions(), windowMs: 300_000)
    options.exportDirectory = exportDirectory
    return (
      TUILoop(source: source, screen: screen, options: options, monotonic: { 0 }, wallMs: { 1_741_000_000_000 }), screen
    )
  }

  @Test func dataFromTheSourceReachesTheScreenAndAResizeRedraws() throws {
    let source = FakeSource()
    let (loop, screen) = loop(source)
    loop.turn(timeoutMs: 0)
    #expect(loop.state.report == nil)
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 5_000_000, newFlow: true)]
    loop.turn(timeoutMs: 0)  // takes the update
    loop.turn(timeoutMs: 0)  // draws it
    let report = try #require(loop.state.report)
    #expect(report.zonePairs.values.reduce(0) { $0 + $1.bytes } == 5_000_000)
    #expect(screen.lines.joined().contains("us-east1-c"))
    let draws = screen.draws
    screen.resize(width: 80, height: 24)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    #expect(screen.draws == draws + 1)
    #expect(screen.lastBuffer?.width == 80 && screen.lines.count == 24)
  }

  /// A big history's report is computed off the UI thread: the turn that takes the update
  /// returns without it, keys pressed meanwhile apply, and the report that lands is the one
  /// computed in place.
  @Test func aBigReportIsComputedOffTheUIThreadAndLandsWhole() throws {
    let source = FakeSource()
    var update = SourceUpdate()
    update.newFlows = (0..<20_000).map {
      var k = FakeSource.flow
      k.destinationWorkload = "server-\($0)"
      k.destination.zone = "us-east1-\(["b", "c", "d"][$0 % 3])"
      return k
    }
    update.rounds = [
      TrafficRound(
        startMs: 1_741_000_000_000, endMs: 1_741_000_005_000,
        deltas: (0..<20_000).map { (Int32($0), Counts(received: UInt64(1000 + $0))) })
    ]
    update.nowMs = 1_741_000_005_000
    source.queued = [update]
    let screen = InMemoryScreen(width: 100, height: 30, events: [])
    var options = TUIOptions(report: ReportOptions(), windowMs: 300_000)
    options.reportOffThreadAboveFlows = 0
    let loop = TUILoop(
      source: source, screen: screen, options: options, monotonic: { 0 }, wallMs: { 1_741_000_000_000 })
    screen.events = [.key(.char("3"))]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.view == .flows, "the key applied")
    var turns = 0
    // The in-memory screen does not wait: the test does, up to a minute.
    while loop.isComputingReport && turns < 30_000 {
      usleep(2000)
      loop.turn(timeoutMs: 0)
      turns += 1
    }
    loop.turn(timeoutMs: 0)
    let report = try #require(loop.state.report)
    var history = TrafficHistory()
    history.append(flows: update.newFlows)
    history.append(update.rounds[0])
    let inPlace = history.report(windowMs: 300_000, options: ReportOptions())
    #expect(report.zonePairs.count == 3)
    #expect(report.zonePairs.values.map(\.bytes).sorted() == inPlace.zonePairs.values.map(\.bytes).sorted())
    #expect(report.counted.count == 20_000 && report.hops.count == inPlace.hops.count)
  }

  @Test func pauseFreezesTheDisplayWhileCollectionGoesOn() throws {
    let source = FakeSource()
    let (loop, _) = loop(source)
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 1000, newFlow: true)]
    loop.turn(timeoutMs: 0)
    (loop.screen as! InMemoryScreen).events = [.key(.char("p"))]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.paused)
    source.queued = [FakeSource.poll(endMs: 1_741_000_010_000, bytes: 9000, newFlow: false)]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.report?.zonePairs.values.reduce(0) { $0 + $1.bytes } == 1000, "frozen while paused")
    #expect(loop.data.history.rounds.count == 2, "collected meanwhile")
    (loop.screen as! InMemoryScreen).events = [.key(.char("p"))]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.report?.zonePairs.values.reduce(0) { $0 + $1.bytes } == 10_000)
  }

  @Test func exportWritesWhatTheViewShows() throws {
    let dir = NSTemporaryDirectory() + "zonetop-loop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = FakeSource()
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 1000, newFlow: true)]
    let (loop, _) = loop(source, events: [.key(.char("3")), .key(.char("e"))], exportDirectory: dir)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let status = try #require(loop.state.status)
    #expect(status.hasPrefix("exported 1 rows to \(dir)/zonetop-flows-"))
    let files = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(files.count == 1)
    let csv = try String(contentsOfFile: dir + "/" + files[0], encoding: .utf8)
    #expect(csv.contains("client") && csv.contains("server.shop.svc.cluster.local"))
  }

  @Test func aFailingSourceIsShownAsDownNotAsAnEmptyMatrix() throws {
    let source = FakeSource()
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 0, newFlow: false, up: 0, targets: 3)]
    let (loop, screen) = loop(source, events: [.key(.char("5"))])
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    #expect(loop.state.targetsUp == 0 && loop.state.targetsTotal == 3)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("DOWN") && text.contains("connection refused"))
    // Every view says so: a banner, and no matrix or dollars in place of data.
    screen.events = [.key(.char("1"))]
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let zones = screen.lines.joined(separator: "\n")
    #expect(zones.contains("3 of 3 targets down - 5 Health"))
    #expect(zones.contains("No data: none of the 3 targets answered with metrics: connection refused."))
    #expect(!zones.contains("$0.00") && !zones.contains("TOTAL"))
  }

  @Test func aPartialOutageIsABannerOverTheNumbers() throws {
    let source = FakeSource()
    source.queued = [
      FakeSource.poll(endMs: 1_741_000_005_000, bytes: 0, newFlow: true, up: 2, targets: 3),
      FakeSource.poll(endMs: 1_741_000_010_000, bytes: 5_000_000, newFlow: false, up: 2, targets: 3),
    ]
    let (loop, screen) = loop(source)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("1 of 3 targets down - 5 Health"))
    #expect(text.contains("us-east1-c") && text.contains("/month"))
  }

  @Test func aRecordingThatStoppedStaysOnScreen() throws {
    let source = FakeSource()
    var update = FakeSource.poll(endMs: 1_741_000_005_000, bytes: 1000, newFlow: true)
    update.problems = ["recording stopped: /data/r.ztrec: No space left on device"]
    source.queued = [update]
    let (loop, screen) = loop(source, events: [.key(.char("3")), .key(.char("u")), .key(.char("5"))])
    for _ in 0..<4 { loop.turn(timeoutMs: 0) }
    #expect(screen.lines.joined().contains("recording stopped: /data/r.ztrec: No space left on device"))
  }

  @Test func theFirstRoundSaysItIsTheBaseline() throws {
    let source = FakeSource()
    source.queued = [FakeSource.poll(endMs: 1_741_000_005_000, bytes: 0, newFlow: true)]
    source.queued[0].rounds = [
      TrafficRound(startMs: 1_741_000_005_000, endMs: 1_741_000_005_000, deltas: [(0, Counts())])
    ]
    let (loop, screen) = loop(source)
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    let text = screen.lines.joined(separator: "\n")
    #expect(text.contains("Collecting the baseline: rates after the next scrape."))
    #expect(!text.contains("$0.00"))
  }

  @Test func drillDownKeysActOnTheDrillDown() throws {
    let dir = NSTemporaryDirectory() + "zonetop-drill-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let into: [Key] = [.char("1"), .down, .down, .right, .enter]
    // Units: the value column becomes USD/month.
    let (cost, costScreen) = Demo.loop(keys: into + [.char("u"), .char("u")])
    let costText = costScreen.lines.joined(separator: "\n")
    #expect(cost.state.units == .cost && costText.contains("USD/MONTH"))
    // Sort: by name, the rows on screen are in name order.
    let (named, _) = Demo.loop(keys: [.char("1"), .enter, .char(">"), .char(">")])
    #expect(named.state.sort(for: .drill) == TableSort(column: .name, descending: false))
    let rows = ViewRows.drillRows(try #require(named.state.report), named.state)
    let kind = try #require(named.state.drillKind)
    let names = rows.map { $0.name(kind) }
    #expect(names == names.sorted() && rows.count > 1)
    // Export: the drill-down's rows, the first as on screen.
    let (exported, _) = Demo.loop(keys: into + [.char("e")], exportDirectory: dir)
    let report = try #require(exported.state.report)
    let onScreen = ViewRows.drillRows(report, exported.state)
    let status = try #require(exported.state.status)
    #expect(status.hasPrefix("exported \(onScreen.count) rows to \(dir)/zonetop-drill-"), "\(status)")
    let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
    let lines = try String(contentsOfFile: dir + "/" + file, encoding: .utf8).components(separatedBy: "\r\n")
    #expect(lines[0].hasPrefix("window_start,window_end,source_zone,destination_zone,source_namespace"))
    let top = try #require(onScreen[0].hop)
    #expect(lines[1].contains(",\(top.sourceNamespace),\(top.sourceWorkload),\(top.destinationService),"))
  }

  @Test func aFilterThatMatchesNothingSaysSoAndEscClearsIt() throws {
    let (loop, screen) = Demo.loop(keys: [.char("/"), .char("z"), .char("z"), .char("z"), .enter])
    #expect(loop.state.filter == "zzz")
    #expect(screen.lines.joined().contains("No traffic matches 'zzz' - Esc clears the filter."))
    screen.events = [.key(.escape)]
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    #expect(loop.state.filter.isEmpty && !screen.lines.joined().contains("No traffic matches"))
  }

  @Test func aReplayEndsAndSaysSo() throws {
    let replay = ReplaySource(source: Demo.recording)
    replay.speed = 64
    var clock = 0.0
    let screen = InMemoryScreen(width: 120, height: 40)
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { clock })
    // 20 s of real time at 64x covers the 10-minute recording.
    for _ in 0..<40 {
      clock += 0.5
      loop.turn(timeoutMs: 0)
    }
    #expect(replay.isAtEnd && loop.state.atEnd)
    loop.turn(timeoutMs: 0)
    #expect(screen.lines[1].contains("■ END"), "\(screen.lines[1])")
    #expect(loop.state.status?.hasPrefix("end of the recording") == true)
    #expect(loop.state.nowMs == replay.endMs)
    // Stepping back one interval rebuilds the window up to there.
    screen.events = [.key(.char("["))]
    loop.turn(timeoutMs: 0)
    #expect(loop.state.nowMs == replay.endMs - replay.intervalMs)
    #expect(!replay.isAtEnd)
  }

  @Test func theStartingSpeedIsShownAndTheKeysStartFromIt() {
    let replay = ReplaySource(source: Demo.recording)
    replay.speed = 4
    let screen = InMemoryScreen(width: 120, height: 40, events: [.key(.char("+"))])
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000),
      monotonic: { 0 })
    #expect(loop.state.speed == 4)
    loop.turn(timeoutMs: 0)
    #expect(replay.speed == 8 && loop.state.status == "replay speed 8x")
    loop.turn(timeoutMs: 0)
    #expect(screen.lines[1].contains("▶ 8x"))
  }

  @Test func qQuitsAndLiveSourcesOfferNoReplayControls() {
    let source = FakeSource()
    let (loop, _) = loop(source, events: [.key(.char("+")), .key(.char("q"))])
    #expect(loop.turn(timeoutMs: 0))
    #expect(loop.state.status == "speed applies to replays")
    #expect(!loop.turn(timeoutMs: 0))
  }
}
