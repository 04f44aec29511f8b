import Glibc
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Replays the demo recording over and over, as fast as possible, for `hours` of data time:
/// each loop shifts the times and the ztunnels' counters start again (series churn and resets).
func soakBench(hours: Int) {
  line("== soak: the demo recording replayed at full speed for \(hours) h of data time")
  guard let source = try? OfflineSource(path: Paths.repo + "/Fixtures/demo/demo.ztrec.gz") else {
    return line("no demo recording")
  }
  let engine = TrafficEngine()
  var history = TrafficHistory(maxRounds: 360)
  let span = (source.entries.last?.timeMs ?? 0) - (source.entries.first?.timeMs ?? 0) + 5000
  let loops = Int((Int64(hours) * 3_600_000 + span - 1) / span)
  let t0 = WallClock.monotonic()
  var frames = 0
  var lastRound: Int64?
  func fds() -> Int { (try? Files.list("/proc/self/fd").count) ?? -1 }
  var samplesRSS: [(Int, Int, Int)] = []
  for loop in 0..<loops {
    let shift = Int64(loop) * span
    for e in source.entries {
      let t = e.timeMs + shift
      if lastRound == nil || t - lastRound! >= 4500 {
        if let r = lastRound {
          history.append(flows: Array(engine.flows.keys[history.flows.count...]))
          history.append(engine.takeRound(endMs: r))
        }
        lastRound = t
      }
      if e.isSuccess {
        try? source.withBody(e) { body in
          engine.ingest(target: e.target, timeMs: t, body: body, contentType: e.contentType)
        }
      } else {
        engine.recordFailure(target: e.target, timeMs: t, error: e.error ?? "HTTP \(e.status)")
      }
      frames += 1
    }
    _ = history.report(windowMs: 300_000, options: ReportOptions())
    let hour = Int(shift / 3_600_000)
    if samplesRSS.last?.0 != hour { samplesRSS.append((hour, currentRSS(), fds())) }
  }
  let wall = WallClock.monotonic() - t0
  line("replayed \(frames) frames (\(loops) loops, \(hours) h of data) in \(fmt(wall, 1)) s")
  for (hour, rss, fd) in samplesRSS where hour % 4 == 0 || hour == samplesRSS.last?.0 {
    line("  after \(hour) h: RSS \(mb(rss)), open fds \(fd)")
  }
  line(
    "engine: \(engine.flows.count) flows interned, \(engine.health.reduce(0) { $0 + $1.series }) live series, \(engine.health.reduce(0) { $0 + $1.counterResets }) counter resets"
  )
}

/// D6's churn soak: RSS while one target renames its series every scrape.
///
/// One target renames `perScrape` series every scrape (new workload names, as
/// CronJob pods get) for `minutes` of data at a 5 s interval, counted into a history of
/// `keepRounds` rounds (a 5-minute window) the way the TUI's sources hand it over. RSS
/// each minute of data: flat once the window is full. `forget` false is the behaviour
/// before flows were forgotten (for the before/after figures).
func churnSoak(perScrape: Int, minutes: Int, keepRounds: Int, forget: Bool) {
  line(
    "== churn soak: \(perScrape) series renamed every 5 s scrape, \(minutes) min of data, "
      + "\(keepRounds) rounds kept\(forget ? "" : ", flows never forgotten (before D6)")")
  var options = EngineOptions()
  options.keepFlowsForRounds = keepRounds
  let engine = TrafficEngine(options: options)
  var history = TrafficHistory(maxRounds: keepRounds)
  let scrapes = minutes * 12
  let t0 = WallClock.monotonic()
  var peak = 0
  for k in 0..<scrapes {
    var body = ""
    body.reserveCapacity(perScrape * 260)
    for i in 0..<perScrape {
      body +=
        "istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"cron-\(k)-\(i)\",source_workload_namespace=\"batch\","
        + "destination_workload=\"db\(i % 50)\",destination_workload_namespace=\"data\",destination_service=\"db.data.svc\","
        + "source_region=\"us-east1\",source_zone=\"us-east1-b\",destination_region=\"us-east1\",destination_zone=\"us-east1-c\"} \(1000 + i)\n"
    }
    let t = 1_740_996_000_000 + Int64(k) * 5000
    var bytes = Array(body.utf8)
    bytes.withUnsafeBytes {
      _ = engine.ingest(target: "http://cron:15020/metrics", timeMs: t, body: $0, contentType: nil)
    }
    bytes = []
    history.append(flows: Array(engine.flows.keys[history.flows.count...]))
    history.append(engine.takeRound(endMs: t))
    if forget, let c = engine.compactFlows() { history.apply(c) }
    if k % 12 == 11 {
      _ = history.report(windowMs: 300_000, options: ReportOptions())
      let rss = currentRSS()
      peak = max(peak, rss)
      line(
        "  after \((k + 1) / 12) min: RSS \(mb(rss)), flows \(engine.flows.count) (history \(history.flows.count)), "
          + "forgotten \(engine.forgottenFlows), live series \(engine.health.reduce(0) { $0 + $1.series })")
    }
  }
  line("\(scrapes) scrapes in \(fmt(WallClock.monotonic() - t0, 1)) s; RSS at most \(mb(peak)) at the minute marks")
}
