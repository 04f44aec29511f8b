import Glibc
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// The Prometheus path against a real Prometheus, with and without the recording rules.
///
/// Prometheus scrapes `targets` loopback targets x `series` series every 5 s (nginx serving
/// 8 distinct bodies whose counters grow every 5 s), with the rules of `zonetop rules` loaded. Measures `snapshot --prometheus` on the raw and on
/// the recorded series, the query pattern before this change (four instant queries one
/// after the other), and a TUI refresh: the whole window's range query against the newest
/// step alone. Server CPU is Prometheus' own (/proc) during each, less its ingestion rate.
func prometheusBench(targets: Int, series: Int, runs: Int, warmup: Int) {
  line("== prometheus: \(targets) targets x \(series) series, scraped every 5 s, rules every 15 s")
  guard !shell("command -v prometheus").isEmpty, !shell("command -v nginx || ls /usr/sbin/nginx").isEmpty else {
    return line("prometheus or nginx is not installed: skipped")
  }
  let root = "\(Paths.work)/prom"
  _ = shell("rm -rf \(root) && mkdir -p \(root)/b \(root)/s \(root)/logs")
  let webPort = 18_500 + Int(getpid() % 400)
  let promPort = webPort + 1
  // The ticker: 8 bodies rewritten (atomically) every 5 s with growing counters; targets link to them.
  let ticker = """
    import os, sys, time
    root, series = sys.argv[1], int(sys.argv[2])
    per = max(1, series // 4)
    names = ["istio_tcp_connections_opened", "istio_tcp_connections_closed", "istio_tcp_received_bytes", "istio_tcp_sent_bytes"]
    tick = 0
    while True:
        for k in range(8):
            out = []
            for f, name in enumerate(names):
                out.append(f"# TYPE {name} counter\\n")
                for i in range(per):
                    z = (i + k) % 7
                    v = 1000000 + i * 1000 + tick * (1000 + i % 500) * (f + 1)
                    out.append(f'{name}_total{{reporter="{"source" if i % 2 == 0 else "destination"}",source_workload="wl-{i % 97}",source_workload_namespace="ns-{i % 13}",source_principal="spiffe://cluster.local/ns/ns-{i % 13}/sa/wl-{i % 97}",source_app="wl-{i % 97}",source_version="v1",source_cluster="Kubernetes",destination_service="svc-{i}.ns-{i % 11}.svc.cluster.local",destination_service_namespace="ns-{i % 11}",destination_workload="svc-{i}",destination_workload_namespace="ns-{i % 11}",destination_principal="spiffe://cluster.local/ns/ns-{i % 11}/sa/svc-{i}",destination_cluster="Kubernetes",request_protocol="tcp",response_flags="-",connection_security_policy="mutual_tls",source_region="r{z % 3}",source_zone="r{z % 3}-z{z}",destination_region="r{(z + 1) % 3}",destination_zone="r{(z + 1) % 3}-z{(z + 2) % 7}"}} {v}\\n')
            out.append("# EOF\\n")
            with open(f"{root}/b/{k}.tmp", "w") as fh:
                fh.write("".join(out))
            os.rename(f"{root}/b/{k}.tmp", f"{root}/b/{k}.prom")
        tick += 1
        time.sleep(5)
    """
  try? Files.writeAtomically(Array(ticker.utf8), to: root + "/ticker.py")
  let tickerPID =
    Int32(shell("python3 \(root)/ticker.py \(root) \(series) > /dev/null 2>&1 & echo $!").trimmingCharacters()) ?? 0
  defer { kill(tickerPID, SIGKILL) }
  usleep(3_000_000)
  for t in 0..<targets { _ = symlink("\(root)/b/\(t % 8).prom", "\(root)/s/\(t).prom") }
  let nginxPID = startNginx(root: root, port: webPort)
  defer { kill(nginxPID, SIGTERM) }
  try? Files.writeAtomically(
    Array(RecordingRules.yaml(evaluationMs: 15_000, rateRangeMs: 30_000).utf8), to: root + "/rules.yml")
  var yml =
    "global:\n  scrape_interval: 5s\n  scrape_timeout: 4s\n  evaluation_interval: 15s\n"
    + "rule_files:\n  - \(root)/rules.yml\nscrape_configs:\n  - job_name: zt\n    static_configs:\n"
  for t in 0..<targets {
    yml +=
      "      - targets: ['127.0.0.1:\(webPort)']\n        labels: {__metrics_path__: /s/\(t).prom, instance: node-\(t)}\n"
  }
  try? Files.writeAtomically(Array(yml.utf8), to: root + "/prometheus.yml")
  let promPID =
    Int32(
      shell(
        "prometheus --config.file=\(root)/prometheus.yml --storage.tsdb.path=\(root)/data "
          + "--web.listen-address=127.0.0.1:\(promPort) --log.level=warn > \(root)/logs/prom.log 2>&1 & echo $!"
      ).trimmingCharacters()) ?? 0
  defer {
    kill(promPID, SIGTERM)
    var status: Int32 = 0
    waitpid(promPID, &status, 0)
  }
  let url = "http://127.0.0.1:\(promPort)"
  line(
    "prometheus \(url) (pid \(promPID)) warming up for \(warmup) s (a 1m window, and the rules' heartbeat before it)")
  usleep(UInt32(warmup) * 1_000_000)
  func serverCPU() -> Double {
    // Read with a shell: /proc files report a size of 0.
    let text = shell("cat /proc/\(promPID)/stat")
    guard let close = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
  }
  var options = HTTPOptions()
  options.timeoutMs = 300_000
  let client = PrometheusClient(baseURL: url, http: options)
  var up = 0
  do { up = try client.increases(endMs: WallClock.nowMs(), rangeMs: 60_000).count } catch {
    line("the first raw query failed: \(error)")
  }
  let c0 = serverCPU()
  let t0 = WallClock.monotonic()
  usleep(20_000_000)
  let ingestion = (serverCPU() - c0) / (WallClock.monotonic() - t0)
  line(
    "ingestion: \(fmt(ingestion, 2)) cores; \(up) flows in a raw 1m answer; server RSS \(shell("ps -o rss= -p \(promPID)").trimmingCharacters()) KiB"
  )
  /// Wall seconds and server CPU-s above ingestion of `work`, `runs` times: medians and ranges.
  func timed(_ what: String, _ work: () -> String) {
    var walls: [Double] = []
    var cpus: [Double] = []
    var note = ""
    for _ in 0..<runs {
      let c = serverCPU()
      let t = WallClock.monotonic()
      note = work()
      let wall = WallClock.monotonic() - t
      walls.append(wall)
      cpus.append(max(0, serverCPU() - c - ingestion * wall))
    }
    let range = { (xs: [Double]) in "[\(fmt(xs.min() ?? 0, 2))-\(fmt(xs.max() ?? 0, 2))]" }
    line(
      "\(what): \(fmt(median(walls), 2)) s wall \(range(walls)), server \(fmt(median(cpus), 2)) CPU-s \(range(cpus)) (n=\(runs))\(note)"
    )
  }
  for mode in ["raw", "recorded"] {
    timed("zonetop snapshot --prometheus --window 1m --series \(mode)") {
      let c = measure(
        [
          Paths.zonetop, "snapshot", "--prometheus", url, "--window", "1m", "--series", mode, "--format", "csv",
          "--query-timeout", "300s",
        ], stdout: "\(root)/snapshot-\(mode).csv", stderr: "\(root)/snapshot-\(mode).err")
      let rows = shell("wc -l < \(root)/snapshot-\(mode).csv").trimmingCharacters()
      return "; exit \(c.status), \(rows) csv lines, zonetop \(fmt(c.cpu, 2)) CPU-s, peak RSS \(mb(c.maxRSSBytes))"
    }
  }
  // Before: one instant query a family, one after the other (what snapshot sent until now).
  timed("before: 4 instant queries, one a family, in sequence") {
    let poller = Poller(options: options)
    for (family, _) in [
      ("istio_tcp_received_bytes_total", 0), ("istio_tcp_sent_bytes_total", 0),
      ("istio_tcp_connections_opened_total", 0), ("istio_tcp_connections_closed_total", 0),
    ] {
      let q = PrometheusClient.query(family: family, range: "60s", namespace: nil)
      let r = poller.fetch([url + "/api/v1/query?query=" + PrometheusClient.encode(q)])[0]
      if !r.isSuccess { return "; failed: \(r.error ?? "HTTP \(r.status)")" }
    }
    return ""
  }
  // A TUI refresh (window 1m, step 15 s): the whole window as before, and the newest step alone as now.
  for kind in [PrometheusClient.SeriesKind.raw, .recorded] {
    for (what, steps) in [("whole 1m window (before)", 4), ("newest step only (now)", 1)] {
      timed("TUI refresh, \(kind.rawValue) series, \(what)") {
        let end = WallClock.nowMs() / 15_000 * 15_000
        var skipped = PrometheusClient.Skipped()
        do {
          let r = try client.rounds(
            startMs: end - Int64(steps - 1) * 15_000, endMs: end, stepMs: 15_000, namespace: nil, kind: kind,
            skipped: &skipped)
          return "; \(r.count) steps, \(r.last?.1.count ?? 0) flows in the newest"
        } catch {
          return "; failed: \(error)"
        }
      }
    }
  }
}
