import Glibc
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic
import ZoneTopUI

/// One poll of 200 loopback targets x 2,000 series, served by a separate process.
func pollBench(targets: Int, series: Int, rounds: Int) {
  let port = 18_000 + Int(getpid() % 1000)
  _ = mkdir(Paths.work, 0o755)
  _ = shell("\(Paths.repo)/scripts/ensure-packages.sh nginx-light 2>&1")
  let useNginx = !shell("command -v nginx || ls /usr/sbin/nginx 2>/dev/null").isEmpty
  line(
    "== poll: \(targets) loopback targets x \(series) series, served by \(useNginx ? "nginx" : "scripts/fixture_server.py") in its own process"
  )
  let pid: Int32
  let urls: [String]
  if useNginx {
    // Static bodies (8 distinct ones, as the Python server makes) behind nginx, one worker.
    let root = "\(Paths.work)/nginx"
    _ = shell("rm -rf \(root) && mkdir -p \(root)/s \(root)/logs")
    _ = shell(
      "python3 -c \"import sys; sys.path.insert(0, '\(Paths.repo)/scripts'); import fixture_server as f; [open('\(root)/s/%d.prom' % i, 'wb').write(f.synthetic_body(\(series), i % 8)) for i in range(\(targets))]\""
    )
    let conf =
      "worker_processes 1; pid \(root)/nginx.pid; error_log \(root)/logs/error.log; events { worker_connections 1024; }\n"
      + "http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; types { text/plain prom; }\n"
      + "  server { listen 127.0.0.1:\(port); root \(root); } }\n"
    try? Files.writeAtomically(Array(conf.utf8), to: root + "/nginx.conf")
    pid =
      Int32(
        shell("nginx -p \(root) -c \(root)/nginx.conf -g 'daemon off;' > /dev/null 2>&1 & echo $!").trimmingCharacters()
      ) ?? 0
    urls = (0..<targets).map { "http://127.0.0.1:\(port)/s/\($0).prom" }
  } else {
    let server =
      "python3 \(Paths.repo)/scripts/fixture_server.py --synthetic \(targets):\(series) --port \(port) > \(Paths.work)/server.log 2>&1 & echo $!"
    pid = Int32(shell(server).trimmingCharacters()) ?? 0
    urls = (0..<targets).map { "http://127.0.0.1:\(port)/s/\($0)/metrics" }
  }
  // SIGTERM: nginx's master then stops its workers (SIGKILL would leave them running).
  defer { kill(pid, SIGTERM) }
  usleep(1_500_000)
  var options = HTTPOptions()
  options.timeoutMs = 10_000
  let poller = Poller(options: options)
  let engine = TrafficEngine()
  for r in 0..<rounds {
    var bytes = 0
    var failures = 0
    let cpu0 = selfCPU()
    let t0 = WallClock.monotonic()
    poller.fetch(urls.map(ScrapeTarget.init(url:))) { _, result in
      bytes += result.body.count
      if result.isSuccess {
        _ = result.body.withUnsafeBytes {
          engine.ingest(target: result.target, timeMs: result.startMs, body: $0, contentType: result.contentType)
        }
      } else {
        failures += 1
      }
    }
    let wall = WallClock.monotonic() - t0
    let cpu = selfCPU() - cpu0
    _ = engine.takeDeltas()
    line(
      "poll \(r + 1): \(mb(bytes)) in \(fmt(wall, 2)) s wall, \(fmt(cpu, 2)) CPU-s (fetch + parse + count), \(failures) failures, peak RSS \(mb(selfMaxRSS()))"
    )
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
