import Glibc
import ZoneTopTraffic
import ZoneTopUI

/// What the TUI does each round on a big mesh: append the newest round to a history of
/// 50,000 hops (30 zones) and compute the window's report (5 minutes = 60 rounds of 5 s).
func refreshBench(hops: Int, rounds: Int) {
  line("== refresh: history of \(hops) hops x 30 zones, 5 s rounds, window 5 min (60 rounds), \(rounds) rounds")
  var history = TrafficHistory(maxRounds: 360)
  var keys: [FlowKey] = []
  for i in 0..<hops {
    let a = i % 30
    let b = (i / 30) % 30
    keys.append(
      FlowKey(
        reporter: .source, sourceWorkload: "w\(i % 997)", sourceNamespace: "ns\(i % 13)",
        destinationWorkload: "d\(i)", destinationNamespace: "ns\(i % 17)", destinationService: "s\(i)",
        source: Locality(region: "r\(a / 5)", zone: "r\(a / 5)-z\(a % 5)"),
        destination: Locality(region: "r\(b / 5)", zone: "r\(b / 5)-z\(b % 5)"), hasLocality: true))
  }
  history.append(flows: keys)
  var times: [Double] = []
  var reportTimes: [Double] = []
  for r in 0..<rounds {
    let deltas = (0..<hops).map { (Int32($0), Counts(received: UInt64(1000 + ($0 + r) % 77), sent: 500, opened: 1)) }
    let t0 = WallClock.monotonic()
    history.append(TrafficRound(startMs: Int64(r) * 5000, endMs: Int64(r + 1) * 5000, deltas: deltas))
    let t1 = WallClock.monotonic()
    let report = history.report(windowMs: 300_000, options: ReportOptions())
    let t2 = WallClock.monotonic()
    precondition(!report.zonePairs.isEmpty)
    times.append(t2 - t0)
    reportTimes.append(t2 - t1)
  }
  // A point of the Trend view: one round's report, whole and with the zone pairs only.
  if let last = history.rounds.last {
    var zones = ReportOptions()
    zones.zonesOnly = true
    var whole: [Double] = []
    var only: [Double] = []
    for _ in 0..<5 {
      let t0 = WallClock.monotonic()
      _ = history.report(fromMs: last.startMs, toMs: last.endMs, options: ReportOptions())
      let t1 = WallClock.monotonic()
      _ = history.report(fromMs: last.startMs, toMs: last.endMs, options: zones)
      whole.append(t1 - t0)
      only.append(WallClock.monotonic() - t1)
    }
    line(
      "a Trend point (one round's report): whole \(fmt(median(whole) * 1000, 1)) ms, zone pairs only \(fmt(median(only) * 1000, 1)) ms (\(fmt(median(whole) / median(only), 2))x)"
    )
  }
  // What a key costs the UI thread once the report is there: one frame of each view.
  var state = AppState(sourceLabel: "bench", isDemo: false, isReplay: false)
  state.report = history.report(windowMs: 300_000, options: ReportOptions())
  for view in View.allCases {
    state.view = view
    var frames: [Double] = []
    var keys: [Double] = []
    for i in 0..<5 {
      let t0 = WallClock.monotonic()
      _ = Renderer.render(state, width: 200, height: 60)
      frames.append(WallClock.monotonic() - t0)
      // A key: the state's update, then the frame it leads to.
      let t1 = WallClock.monotonic()
      _ = state.update(i % 2 == 0 ? .down : .up)
      _ = Renderer.render(state, width: 200, height: 60)
      keys.append(WallClock.monotonic() - t1)
    }
    line(
      "\(view) at 200x60 with \(hops) hops: a frame median \(fmt(median(frames) * 1000, 1)) ms (the first \(fmt(frames[0] * 1000, 1)) ms), a key and its frame \(fmt(median(keys) * 1000, 1)) ms"
    )
  }
  let steady = Array(times.suffix(rounds / 2))
  line(
    "append + window report per round, once the window is full: median \(fmt(median(steady) * 1000, 1)) ms, max \(fmt((steady.max() ?? 0) * 1000, 1)) ms, report alone median \(fmt(median(Array(reportTimes.suffix(rounds / 2))) * 1000, 1)) ms; RSS \(mb(currentRSS()))"
  )
}
