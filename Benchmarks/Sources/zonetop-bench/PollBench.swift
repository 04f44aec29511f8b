import Glibc
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic
import ZoneTopUI

/// Poll rounds of 50 to 1,000 loopback targets x 2,000 series (1.8 MB bodies; the same 500
/// hops on every target, as a mesh's ztunnels report), served by nginx in its own process,
/// with the live defaults: 5 s interval (the round's deadline), 4 s timeout, 48 transfers.
func pollBench(sizes: [Int], series: Int, rounds: Int, record: Bool = false) {
  let port = 18_000 + Int(getpid() % 1000)
  _ = mkdir(Paths.work, 0o755)
  _ = shell("\(Paths.repo)/scripts/ensure-packages.sh nginx-light 2>&1")
  guard !shell("command -v nginx || ls /usr/sbin/nginx 2>/dev/null").isEmpty else {
    return line("== poll: skipped: nginx is not installed (apt-get install nginx-light)")
  }
  // 8 distinct bodies, as the Python fixture server makes; target N is a link to body N % 8.
  let root = "\(Paths.work)/nginx"
  let most = sizes.max() ?? 0
  _ = shell("rm -rf \(root) && mkdir -p \(root)/s \(root)/logs")
  _ = shell(
    "python3 -c \"import sys; sys.path.insert(0, '\(Paths.repo)/scripts'); import fixture_server as f; [open('\(root)/b%d.prom' % i, 'wb').write(f.synthetic_body(\(series), i)) for i in range(8)]\""
  )
  _ = shell("cd \(root)/s && for i in $(seq 0 \(most - 1)); do ln -s ../b$((i % 8)).prom $i.prom; done")
  let pid = startNginx(root: root, port: port)
  // SIGTERM: nginx's master then stops its workers (SIGKILL would leave them running).
  defer { kill(pid, SIGTERM) }
  usleep(1_500_000)
  // Where `poll-record` writes: tmpfs by default, a disk with ZONETOP_BENCH_RECORD_DIR.
  let dir = getenv("ZONETOP_BENCH_RECORD_DIR").map { String(cString: $0) } ?? "/dev/shm"
  line(
    "== poll\(record ? " + record to \(dir)" : ""): N loopback targets x \(series) series (\(mb(Int(shell("stat -c %s \(root)/b0.prom").trimmingCharacters()) ?? 0)) a body) from nginx; interval 5 s, timeout 4 s, 48 transfers"
  )
  for n in sizes {
    let targets = (0..<n).map { ScrapeTarget(url: "http://127.0.0.1:\(port)/s/\($0).prom") }
    var walls: [Double] = []
    var cpus: [Double] = []
    var failed: [Int] = []
    var bytes = 0
    let engine = TrafficEngine(lanes: ScrapePipeline.lanesForThisMachine)
    let out = "\(dir)/zonetop-bench-\(getpid()).ztrec"
    unlink(out)
    defer { unlink(out) }
    let round = PollRound(engine: engine, recorder: record ? try? RecordingWriter(path: out) : nil)
    var recorded = 0
    for _ in 0..<rounds {
      let cpu0 = selfCPU()
      let t0 = WallClock.monotonic()
      let (ok, got) = round.run(targets, deadline: t0 + 5)
      walls.append(WallClock.monotonic() - t0)
      cpus.append(selfCPU() - cpu0)
      failed.append(n - ok)
      bytes = got
      _ = engine.takeDeltas()
      if record {
        var st = stat()
        if stat(out, &st) == 0 { recorded = Int(st.st_size) }
      }
    }
    let steady = Array(walls.dropFirst())
    let steadyCPU = Array(cpus.dropFirst())
    line(
      "\(n) targets, \(mb(bytes)) a round\(record ? ", \(mb(recorded / rounds)) recorded a round" : ""): first \(fmt(walls[0], 2)) s wall, \(fmt(cpus[0], 2)) CPU-s; steady median \(fmt(median(steady), 2)) s [\(fmt(steady.min() ?? 0, 2))-\(fmt(steady.max() ?? 0, 2))], \(fmt(median(steadyCPU), 2)) CPU-s (\(fmt(median(steadyCPU) / Double(n) * 1000, 2)) ms a target); failed fetches per round \(failed.map(String.init).joined(separator: " ")); RSS \(mb(currentRSS())), peak \(mb(selfMaxRSS()))"
    )
    if record { writeFloor(bytes: recorded / rounds, dir: dir) }
  }
}

/// What writing `bytes` to a new file in `dir` costs with nothing else.
///
/// The writes are 1.8 MB each, as many as a round records frames: `record` cannot write faster.
func writeFloor(bytes: Int, dir: String) {
  let path = "\(dir)/zonetop-bench-floor-\(getpid())"
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard fd >= 0 else { return line("write floor: cannot create \(path)") }
  defer {
    close(fd)
    unlink(path)
  }
  let chunk = [UInt8](repeating: 0x61, count: 1_800_000)
  let cpu0 = selfCPU()
  let t0 = WallClock.monotonic()
  var left = bytes
  while left > 0 {
    let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min(left, $0.count)) }
    guard n > 0 else { break }
    left -= n
  }
  line(
    "  the file system's floor: writing \(mb(bytes)) to a new file in \(dir) alone takes \(fmt(WallClock.monotonic() - t0, 2)) s, \(fmt(selfCPU() - cpu0, 2)) CPU-s"
  )
}

/// A live poll round as `LiveSource` runs it: transfers on this thread, bodies parsed and
/// counted on the pipeline's worker.
struct PollRound {
  let pipeline: ScrapePipeline

  init(engine: TrafficEngine, recorder: RecordingWriter?) {
    pipeline = ScrapePipeline(engine: engine, recordTo: recorder, transfers: HTTPOptions().maxConcurrent)
  }

  /// Fetches and counts every target; returns the successful fetches and the bytes received.
  func run(_ targets: [ScrapeTarget], deadline: Double) -> (ok: Int, bytes: Int) {
    let (outcomes, _) = pipeline.run(targets, http: HTTPOptions(), deadline: deadline)
    return (outcomes.filter(\.isSuccess).count, outcomes.filter(\.isSuccess).reduce(0) { $0 + $1.health.lastBodyBytes })
  }
}

/// Rendering a 30x30 zone matrix at 200x60 into the cell buffer.
func renderBench(frames: Int) {
  line("== render: 30x30 zone matrix at 200x60")
  var flows = FlowTable()
  var counts: [Counts] = []
  for a in 0..<30 {
    for b in 0..<30 {
      let from = Locality(region: "region-\(a / 5)", zone: "region-\(a / 5)-zone-\(a % 5)")
      let to = Locality(region: "region-\(b / 5)", zone: "region-\(b / 5)-zone-\(b % 5)")
      _ = flows.id(
        for: FlowKey(
          reporter: .source, sourceWorkload: "w\(a)", sourceNamespace: "n", destinationWorkload: "d\(b)",
          destinationNamespace: "n", destinationService: "s\(b)", source: from, destination: to, hasLocality: true))
      counts.append(Counts(received: UInt64(1000 * (a + 1) * (b + 1)), sent: UInt64(100 * (a + b + 1)), opened: 3))
    }
  }
  let report = Aggregator.report(
    flows: flows, counts: counts, present: counts.map { _ in true }, windowStartMs: 0,
    windowEndMs: 300_000, options: ReportOptions())
  var state = AppState(sourceLabel: "bench", isDemo: false, isReplay: false)
  state.report = report
  _ = Renderer.render(state, width: 200, height: 60)
  var times: [Double] = []
  for i in 0..<frames {
    state.row = i % 30
    state.column = (i * 7) % 30
    let t0 = WallClock.monotonic()
    let (b, _) = Renderer.render(state, width: 200, height: 60)
    times.append(WallClock.monotonic() - t0)
    precondition(b.width == 200)
  }
  let sorted = times.sorted()
  line(
    "render 200x60, 30 zones: median \(fmt(median(times) * 1000, 3)) ms, p99 \(fmt(sorted[sorted.count * 99 / 100] * 1000, 3)) ms over \(frames) frames"
  )
}

/// CPU used by the TUI while it waits for the next poll (live, 5 s interval, 30 s).
func idleBench(seconds: Int) {
  line("== idle: zonetop live TUI in tmux polling 12 loopback ztunnels every 5 s, CPU over \(seconds) s")
  guard !shell("command -v tmux").isEmpty else { return line("skipped: tmux is not installed") }
  let port = 18_500 + Int(getpid() % 400)
  let pid =
    Int32(
      shell(
        "python3 \(Paths.repo)/scripts/fixture_server.py --recording \(Paths.repo)/Fixtures/demo/demo.ztrec.gz --loop --port \(port) > /dev/null 2>&1 & echo $!"
      ).trimmingCharacters()) ?? 0
  defer { kill(pid, SIGKILL) }
  usleep(1_500_000)
  let urls = (0..<12).map { "http://127.0.0.1:\(port)/t/\($0)/metrics" }.joined(separator: " ")
  let socket = "zonetop-bench-\(getpid())"
  _ = shell("tmux -L \(socket) new-session -d -s idle -x 120 -y 40 '\(Paths.zonetop) \(urls)' 2>&1")
  defer { _ = shell("tmux -L \(socket) kill-server") }
  sleep(3)
  let zt = shell("pgrep -n -f '^\(Paths.zonetop) http'").trimmingCharacters()
  guard let ztPid = Int32(zt) else { return line("zonetop did not start") }
  func cpuTicks() -> Double {
    let stat = shell("cat /proc/\(ztPid)/stat")
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    guard fields.count > 13 else { return 0 }
    return (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
  }
  let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
  let c0 = cpuTicks()
  sleep(UInt32(seconds))
  let used = (cpuTicks() - c0) / hz
  line(
    "zonetop live: \(fmt(used, 2)) CPU-s in \(seconds) s = \(fmt(used / Double(seconds) * 100, 2))% of a core (polls, parsing and redraws included)"
  )
}
