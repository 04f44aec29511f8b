import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopTraffic
import ZoneTopUI

/// The `:` command mode and the line editor it shares with the `/` filter.
@Suite struct CommandTests {
  func typed(_ text: String) -> [Key] { text.map { .char($0) } }
  func command(_ text: String) -> [Key] { [.char(":")] + typed(text) + [.enter] }

  @Test func theLineEditsLikeAShellPrompt() {
    var e = LineEditor("frontend shop")
    #expect(e.apply(.left) && e.apply(.left))
    _ = e.apply(.char("X"))
    #expect(e.text == "frontend shXop" && e.cursor == 12)
    _ = e.apply(.backspace)
    #expect(e.text == "frontend shop")
    _ = e.apply(.char("\u{17}"))  // Ctrl-W: "sh" before the cursor
    #expect(e.text == "frontend op")
    _ = e.apply(.char("\u{0B}"))  // Ctrl-K: to the end
    #expect(e.text == "frontend ")
    _ = e.apply(.home)
    _ = e.apply(.char(">"))
    _ = e.apply(.end)
    _ = e.apply(.char("\u{15}"))  // Ctrl-U: up to the cursor
    #expect(e.text == "" && e.cursor == 0)
    #expect(!e.apply(.enter) && !e.apply(.tab))
    _ = e.apply(.char("\u{1B}"))
    #expect(e.text == "")
  }

  @Test func theFilterPromptUsesTheSameEditor() {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    _ = s.update(.char("/"))
    for k in typed("shop") + [.left, .left, .char("X"), .right, .right, .char("!")] { _ = s.update(k) }
    #expect(s.filterDraft == "shXop!")
    let screen = Renderer.render(s, width: 80, height: 24).0.lines[22]
    #expect(screen.hasPrefix("/ filter (Enter applies, Esc cancels): shXop!"), "\(screen)")
    #expect(s.update(.enter) == [.filterChanged] && s.filter == "shXop!")
  }

  /// A namespace seen earlier than the window is still completed and accepted: names come from
  /// every flow received, and a reset forgets them.
  @Test func namesCompleteFromEveryFlowReceived() {
    func flow(_ ns: String, _ zone: String) -> FlowKey {
      FlowKey(
        reporter: .source, sourceWorkload: "w", sourceNamespace: ns, destinationWorkload: "d",
        destinationNamespace: "shop", destinationService: "d.shop.svc.cluster.local",
        source: Locality(region: "r", zone: zone), destination: Locality(region: "r", zone: "r-a"),
        hasLocality: true)
    }
    var data = CollectedData()
    var u = SourceUpdate()
    u.newFlows = [flow("batch-old", "r-b")]
    data.apply(u)
    u.newFlows = [flow("web", "r-c")]
    data.apply(u)
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    s.names = data.names
    for k in [.char(":")] + typed("ns bat") + [.tab] { _ = s.update(k) }
    #expect(s.command?.text == "ns batch-old")
    #expect(s.update(.enter) == [.filterChanged] && s.namespaceFilter == "batch-old")
    for k in [.char(":")] + typed("zone ") + [.tab] { _ = s.update(k) }
    #expect(s.completions == ["r-a", "r-b", "r-c", "-"])
    u = SourceUpdate()
    u.resets = true
    data.apply(u)
    #expect(data.names.namespaces.isEmpty)
  }

  @Test func tabCompletesCommandsAndTheirValues() {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    for k in [.char(":")] + typed("un") + [.tab] { _ = s.update(k) }
    #expect(s.command?.text == "units ")
    for k in typed("u") + [.tab] { _ = s.update(k) }
    #expect(s.command?.text == "units usd")
    #expect(s.update(.enter) == [])
    #expect(s.units == .cost && s.command == nil)
    // Several matches: the list is offered, Tab again cycles through them.
    for k in [.char(":")] + typed("reporter ") + [.tab] { _ = s.update(k) }
    #expect(s.completions == ["auto", "source", "destination"])
    _ = s.update(.tab)
    #expect(s.command?.text == "reporter auto")
    _ = s.update(.tab)
    #expect(s.command?.text == "reporter source")
    #expect(s.update(.enter) == [.policyChanged] && s.policy == .source)
  }

  @Test func upAndDownWalkTheHistory() {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    for k in command("units bytes") + command("reporter destination") { _ = s.update(k) }
    _ = s.update(.char(":"))
    _ = s.update(.up)
    #expect(s.command?.text == "reporter destination")
    _ = s.update(.up)
    #expect(s.command?.text == "units bytes")
    _ = s.update(.up)
    #expect(s.command?.text == "units bytes")
    _ = s.update(.down)
    _ = s.update(.down)
    #expect(s.command?.text == "")
  }

  @Test func badCommandsAndValuesSaySoInTheStatusLine() {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    for k in command("frob 3") { _ = s.update(k) }
    #expect(s.statusIsError && s.status?.hasPrefix("unknown command ':frob'") == true)
    for k in command("units dollars") { _ = s.update(k) }
    #expect(s.status == ":units dollars: expected rate, bytes, usd or change")
    for k in command("window soon") { _ = s.update(k) }
    #expect(s.status == ":window soon: expected a duration such as 30s, 5m or 1h")
    for k in command("window") { _ = s.update(k) }
    #expect(s.status == ":window needs a duration such as 5m or 1h (Tab completes)")
    for k in command("goto 12:05") { _ = s.update(k) }
    #expect(s.status == ":goto moves through replays; this source is live")
    let lines = Renderer.render(s, width: 80, height: 24).0.lines
    #expect(lines[22].contains(":goto moves through replays"))
    #expect(s.update(.char(":")) == [] && s.update(.char("q")) == [] && s.update(.enter) == [.quit])
  }

  @Test func nsZoneAndClusterFilterTheDemo() throws {
    let (all, _) = Demo.loop(keys: [.char("3")])
    let report = try #require(all.state.report)
    let ns = try #require(report.hops.keys.map(\.sourceNamespace).sorted().first)
    let (only, screen) = Demo.loop(keys: [.char("3")] + command("ns \(ns)"))
    let hops = try #require(only.state.report).hops.keys
    #expect(!hops.isEmpty && hops.count < report.hops.count)
    #expect(only.state.namespaceFilter == ns)
    #expect(screen.lines[2].contains("filter: ns \(ns)"))
    // A name that is not in the data: the error lists some that are.
    let (bad, _) = Demo.loop(keys: command("zone mars-1a"))
    #expect(bad.state.statusIsError)
    #expect(bad.state.status?.hasPrefix("no zone 'mars-1a' in the data (known: ") == true, "\(bad.state.status ?? "")")
    let zone = try #require(report.zones.first { !$0.isUnknown }).zone
    let (z, _) = Demo.loop(keys: command("zone \(zone)"))
    let pairs = try #require(z.state.report).zonePairs.keys
    #expect(!pairs.isEmpty && pairs.allSatisfy { $0.from.zone == zone || $0.to.zone == zone })
    // `:ns -` and Esc show everything again.
    let (cleared, _) = Demo.loop(keys: command("ns \(ns)") + [.escape])
    #expect(cleared.state.namespaceFilter == nil && cleared.state.report?.hops.count == report.hops.count)
  }

  @Test func windowPricingAndExportCommandsReachTheLoop() throws {
    let (w, screen) = Demo.loop(keys: command("window 1m"))
    let r = try #require(w.state.report)
    #expect(r.windowEndMs - r.windowStartMs <= 60_000 && r.windowEndMs - r.windowStartMs >= 50_000)
    #expect(w.state.status == "window 1m" && screen.lines[screen.lines.count - 2].contains("window 1m"))
    let (gcp, gcpScreen) = Demo.loop(keys: command("pricing gcp"))
    #expect(gcp.state.report?.options.pricing.name == "gcp")
    #expect(gcpScreen.lines[0].contains("pricing gcp"))
    let (bad, _) = Demo.loop(keys: command("pricing /nonexistent/p.yaml"))
    #expect(bad.state.statusIsError)
    #expect(bad.state.status?.contains("pricing \"/nonexistent/p.yaml\": not aws, gcp or azure") == true)
    let path = NSTemporaryDirectory() + "zonetop-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (e, _) = Demo.loop(keys: [.char("4")] + command("export \(path)"))
    #expect(e.state.status?.hasPrefix("exported ") == true && e.state.status?.hasSuffix(path) == true)
    let csv = try String(contentsOfFile: path, encoding: .utf8)
    #expect(csv.hasPrefix("window_start,window_end,destination_service,"))
  }

  @Test func replaysSeekWithKeysAndGoto() throws {
    let (at, _) = Demo.loop(keys: [])
    let end = try #require(at.state.report?.windowEndMs)
    let (back, _) = Demo.loop(keys: [.char("{")])
    let backEnd = try #require(back.state.report?.windowEndMs)
    #expect(abs(end - 60_000 - backEnd) <= at.state.intervalMs, "\(end) \(backEnd)")
    #expect(back.state.status?.hasPrefix("back 1 minute: at ") == true)
    let (fwd, _) = Demo.loop(keys: [.char(")")])
    #expect(abs(try #require(fwd.state.report?.windowEndMs) - end - 300_000) <= at.state.intervalMs)
    let start = try #require(at.state.replayStartMs)
    let last = try #require(at.state.replayEndMs)
    let (home, _) = Demo.loop(keys: [.home])
    #expect(home.state.nowMs - start <= at.state.intervalMs)
    let (endKey, endScreen) = Demo.loop(keys: [.end])
    #expect(last - (endKey.state.report?.windowEndMs ?? 0) <= at.state.intervalMs)
    #expect(endKey.state.atEnd && endScreen.lines[1].contains("■ END"))
    // :goto a time of day (the clock's UTC) on the recording's day.
    let target = start + 120_000 - start % 60_000
    let hhmm = String(Renderer.clock(target).prefix(5))
    let (goto, _) = Demo.loop(keys: command("goto \(hhmm)"))
    #expect(abs(try #require(goto.state.report?.windowEndMs) - target) <= at.state.intervalMs)
    let (outside, _) = Demo.loop(keys: command("goto 03:00"))
    #expect(outside.state.status?.hasPrefix(":goto 03:00: the recording runs from ") == true)
  }
}
