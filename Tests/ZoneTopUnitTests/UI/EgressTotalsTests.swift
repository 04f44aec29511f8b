import Testing
import ZoneTopApp
import ZoneTopTraffic
import ZoneTopUI

/// D27: with `--egress-as-internet` every view's numbers add up to the header's total.
@Suite struct EgressTotalsTests {
  @Test func internetEgressIsShownWhereTheCellsDoNotHoldIt() throws {
    let options = ReportOptions(egressAsInternet: true)
    for view in ["1", "2"] {
      let (loop, screen) = Demo.loop(keys: [.char(Character(view)), .char("u"), .char("u")], report: options)
      let r = try #require(loop.state.report)
      #expect(r.internetCostUSD > 0)
      let internet = NumberText.usd(r.perMonth(r.internetCostUSD))
      let total = NumberText.usd(r.perMonth(r.totalCostUSD))
      let cells =
        view == "1"
        ? r.zonePairs.values.reduce(0) { $0 + $1.costUSD } : r.regionPairs.values.reduce(0) { $0 + $1.costUSD }
      #expect(abs(cells + r.internetCostUSD - r.totalCostUSD) < 1e-9)
      let text = screen.lines.joined(separator: "\n")
      #expect(text.contains("+ internet egress \(internet)/month"), "\(text)")
      #expect(text.contains("not in the cells (total \(total)/month)"))
      #expect(
        screen.lines[1].contains(total) && screen.lines[1].contains("incl. internet \(internet)"), "\(screen.lines[1])")
    }
    // Without the flag nothing is said.
    let (_, plain) = Demo.loop(keys: [.char("1")])
    #expect(!plain.lines.joined().contains("internet"))
  }

  @Test func theSnapshotTableSplitsTheTotal() throws {
    let (loop, _) = Demo.loop(report: ReportOptions(egressAsInternet: true))
    let r = try #require(loop.state.report)
    let table = ReportExport.table(r, groupBy: .zone)
    let pairs = NumberText.usd(r.totalCostUSD - r.internetCostUSD)
    #expect(
      table.contains(" (\(pairs) between zones + \(NumberText.usd(r.internetCostUSD)) internet egress)"), "\(table)")
  }
}

/// D26: while `--record FILE` records, the header says REC (and stops saying it when the
/// recording stopped, which the banner then says).
@Suite struct RecordBadgeTests {
  @Test func theHeaderSaysRECWhileRecording() {
    var s = AppState(sourceLabel: "2 ztunnels", isDemo: false, isReplay: false)
    #expect(!Renderer.render(s, width: 80, height: 24).0.lines[0].contains("REC"))
    s.recordingTo = "/data/r.ztrec"
    #expect(Renderer.render(s, width: 80, height: 24).0.lines[0].contains("● REC"))
    s.alert = "recording stopped: /data/r.ztrec: No space left on device"
    let lines = Renderer.render(s, width: 80, height: 24).0.lines
    #expect(!lines[0].contains("REC") && lines[3].contains("recording stopped"))
  }
}
