import Glibc
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// A screen that scripts keys at real times and measures what a user waits for: from the
/// moment a key is read to the end of the frame drawn after it, and the longest turn.
final class TimingScreen: Screen {
  let width = 200
  let height = 60
  let unicode = true
  /// Keys to read, each once its time (monotonic seconds) has come.
  var script: [(at: Double, key: Key)] = []
  private var keyReadAt: Double?
  /// Seconds from a key's read to the end of the next frame.
  private(set) var latencies: [Double] = []
  private(set) var lastDrawAt = WallClock.monotonic()

  func draw(_ buffer: CellBuffer) {
    lastDrawAt = WallClock.monotonic()
    if let t = keyReadAt {
      latencies.append(lastDrawAt - t)
      keyReadAt = nil
    }
  }

  func read(timeoutMs: Int) -> InputEvent {
    let now = WallClock.monotonic()
    if let first = script.first, first.at <= now {
      script.removeFirst()
      keyReadAt = now
      return .key(first.key)
    }
    // Sleep like a terminal would, but wake for the next scripted key.
    let until = min(now + Double(timeoutMs) / 1000, script.first?.at ?? .infinity)
    if until > now { usleep(UInt32((until - now) * 1e6)) }
    return .timeout
  }
}

/// The TUI replaying a big mesh (50 targets x 1,000 hops x 4 families: 50,000 hops, 4 MB a
/// frame), in process and at 200x60: key latency while it plays at 1x and 16x, and a step
/// back (`[`) at the end: how long until its frame, until the window's report is the one
/// of the new point, and until the replay has caught up.
func replayTUIBench(rounds: Int) {
  let path = "\(Paths.work)/big50x4000-\(rounds).ztrec"
  line("== replay TUI: 50 targets x 4,000 series (50,000 hops, 9 zones), \(rounds) rounds of 5 s, 200x60")
  _ = shell("mkdir -p \(Paths.work)")
  var st = stat()
  if stat(path, &st) != 0 {
    let t0 = WallClock.monotonic()
    generateRecording(path: path + ".part", targets: 50, scrapes: rounds, series: 4000)
    rename(path + ".part", path)
    line("generated \(path) (\(mb(Int(fileSize(path))))) in \(fmt(WallClock.monotonic() - t0, 1)) s")
  }
  for (speed, seconds) in [(1.0, 25.0), (16.0, Double(rounds) * 5 / 16 - 2)] {
    guard let source = try? OfflineSource(path: path) else { return line("cannot open \(path)") }
    let replay = ReplaySource(source: source)
    replay.ingestBudgetSeconds = ReplaySource.interactiveBudget
    replay.speed = speed
    replay.advance(toMs: replay.startMs)
    let screen = TimingScreen()
    let loop = TUILoop(source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: 300_000))
    let start = WallClock.monotonic()
    // A units key every 0.37 s (not a multiple of the round), after the first second.
    screen.script = stride(from: 1.0, to: seconds, by: 0.37).map { (start + $0, Key.char("u")) }
    var longest = 0.0
    let cpu0 = selfCPU()
    while WallClock.monotonic() - start < seconds {
      let t = WallClock.monotonic()
      loop.turn(timeoutMs: 200)
      longest = max(longest, WallClock.monotonic() - t)
    }
    let cpu = selfCPU() - cpu0
    let played = Double(replay.virtualMs - replay.startMs) / 1000
    let keys = screen.latencies.sorted()
    let p90 = keys.isEmpty ? 0 : keys[keys.count * 9 / 10]
    line(
      "\(fmt(speed, 0))x for \(fmt(seconds, 0)) s (\(fmt(played, 0)) s of data): key to frame median \(fmt(median(keys) * 1000, 1)) ms, p90 \(fmt(p90 * 1000, 1)) ms, max \(fmt((keys.last ?? 0) * 1000, 1)) ms (\(keys.count) keys); longest turn \(fmt(longest * 1000, 0)) ms; CPU \(fmt(cpu, 1)) s; RSS \(mb(currentRSS()))"
    )
    // Step back one interval, paused, and wait for the frame, the report and the replay.
    screen.script = [(WallClock.monotonic(), Key.char("p"))]
    loop.turn(timeoutMs: 0)
    loop.turn(timeoutMs: 0)
    while loop.isComputingReport { loop.turn(timeoutMs: 5) }
    let before = loop.state.report?.windowEndMs ?? 0
    let pressed = WallClock.monotonic()
    screen.script = [(pressed, Key.char("["))]
    var frameAt: Double?
    var reportAt: Double?
    while WallClock.monotonic() - pressed < 60 {
      loop.turn(timeoutMs: 5)
      if frameAt == nil, screen.lastDrawAt > pressed { frameAt = screen.lastDrawAt }
      if reportAt == nil, let end = loop.state.report?.windowEndMs, end < before { reportAt = WallClock.monotonic() }
      if frameAt != nil && reportAt != nil && !replay.isBehind && !loop.isComputingReport { break }
    }
    let caughtUp = WallClock.monotonic()
    line(
      "[ after \(fmt(played, 0)) s of data: its frame in \(fmt(((frameAt ?? caughtUp) - pressed) * 1000, 0)) ms, the report of the new point in \(fmt(((reportAt ?? caughtUp) - pressed) * 1000, 0)) ms, caught up in \(fmt((caughtUp - pressed) * 1000, 0)) ms"
    )
  }
}

func fileSize(_ path: String) -> Int64 {
  var st = stat()
  return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}
