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
