import Glibc
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// `zonetop snapshot` of a generated recording: 100 targets x 60 scrapes x 2,000 series.
func snapshotBench(targets: Int, scrapes: Int, series: Int) {
  line("== snapshot: recording of \(targets) targets x \(scrapes) scrapes x \(series) series")
  _ = mkdir(Paths.work, 0o755)
  let path = "\(Paths.work)/big-\(targets)x\(scrapes)x\(series)-crc32c.ztrec"
  if !Files.exists(path) {
    let t0 = WallClock.monotonic()
    generateRecording(path: path, targets: targets, scrapes: scrapes, series: series)
    line("generated \(path) in \(fmt(WallClock.monotonic() - t0, 1)) s")
  }
  // Every figure below reads the recording out of the page cache, the first one included.
  readThrough(path)
  guard let source = try? OfflineSource(path: path) else { return line("cannot read \(path)") }
  source.verifyChecksums = false  // validate reads exposition text: no recording checksums in its figure
  var bodyBytes = 0
  var samples = 0
  // validate's single-core throughput on the same bytes: a strict parse of every body.
  let parser = ExpositionParser(format: .openMetrics, mode: .strict)
  let t0 = WallClock.monotonic()
  for e in source.entries {
    try? source.withBody(e) { body in
      var sink = CountingSink()
      samples += parser.parse(body, into: &sink).samples
      bodyBytes += body.count
    }
    source.release(e)
  }
  let validate = Double(bodyBytes) / (WallClock.monotonic() - t0) / 1e6
  line("recording: \(mb(bodyBytes)) of exposition text, \(samples) samples, \(source.entries.count) frames")
  line("validate-equivalent strict parse, 1 core: \(fmt(validate, 0)) MB/s")
  for verify in [true, false] {
    for threads in [1, 2] {
      let flags = ["--threads", "\(threads)"] + (verify ? [] : ["--no-verify-checksums"])
      let argv = [Paths.zonetop, "snapshot", path, "--format", "csv"] + flags
      let cost = measure(argv, stdout: "\(Paths.work)/snapshot-\(threads).csv")
      // Peak RSS from a run under a small parent: this process mapped the recording, and a
      // spawned child's ru_maxrss starts from its parent's high-water mark.
      let rss = peakRSSThroughPython(argv)
      let rate = Double(bodyBytes) / cost.wall / 1e6
      line(
        "zonetop snapshot \(flags.joined(separator: " ")): \(fmt(cost.wall, 2)) s wall, \(fmt(rate, 0)) MB/s (\(fmt(rate / validate, 2))x validate), \(fmt(Double(samples) / cost.wall / 1e6, 2))M samples/s, \(fmt(cost.cpu, 2)) s CPU, peak RSS \(mb(rss)), exit \(cost.status)"
      )
    }
  }
  let same = shell(
    "cmp -s \(Paths.work)/snapshot-1.csv \(Paths.work)/snapshot-2.csv && echo identical || echo DIFFERENT")
  line("csv with 1 and 2 threads: \(same.trimmingCharacters())")
}

/// Writes a recording of ztunnel-like scrapes: counters grow each scrape, one target restarts.
func generateRecording(path: String, targets: Int, scrapes: Int, series: Int) {
  unlink(path)
  guard let writer = try? RecordingWriter(path: path) else { return }
  let perFamily = max(1, series / 4)
  let families = [
    "istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total", "istio_tcp_received_bytes_total",
    "istio_tcp_sent_bytes_total",
  ]
  for s in 0..<scrapes {
    for t in 0..<targets {
      var body = ""
      body.reserveCapacity(series * 1000)
      for (f, family) in families.enumerated() {
        body += "# TYPE \(family.dropLast(6)) counter\n"
        for i in 0..<perFamily {
          let z = (i + t) % 9
          let value = UInt64(1_000_000 + (i * 7 + t) * 1000) &+ UInt64(s) * UInt64(1000 + i % 500) * UInt64(f + 1)
          body +=
            "\(family){reporter=\"\(i % 2 == 0 ? "source" : "destination")\",source_workload=\"wl-\(i % 211)\",source_canonical_service=\"wl-\(i % 211)\",source_canonical_revision=\"v1\",source_workload_namespace=\"ns-\(i % 17)\",source_principal=\"spiffe://cluster.local/ns/ns-\(i % 17)/sa/wl-\(i % 211)\",source_app=\"wl-\(i % 211)\",source_version=\"v1\",source_cluster=\"Kubernetes\",destination_service=\"svc-\(i % 389).ns-\(i % 13).svc.cluster.local\",destination_service_namespace=\"ns-\(i % 13)\",destination_service_name=\"svc-\(i % 389)\",destination_workload=\"svc-\(i % 389)-t\(t)\",destination_canonical_service=\"svc-\(i % 389)\",destination_canonical_revision=\"v1\",destination_workload_namespace=\"ns-\(i % 13)\",destination_principal=\"spiffe://cluster.local/ns/ns-\(i % 13)/sa/svc-\(i % 389)\",destination_app=\"svc-\(i % 389)\",destination_version=\"v1\",destination_cluster=\"Kubernetes\",request_protocol=\"tcp\",response_flags=\"-\",connection_security_policy=\"mutual_tls\",source_region=\"region-\(z / 3)\",source_zone=\"region-\(z / 3)-\(z % 3)\",destination_region=\"region-\((z + i) % 9 / 3)\",destination_zone=\"region-\((z + i) % 9 / 3)-\((z + i) % 3)\"} \(value)\n"
        }
      }
      body += "# EOF\n"
      try? writer.append(
        Frame(
          target: "http://10.0.\(t / 250).\(t % 250):15020/metrics",
          timeMs: 1_741_000_000_000 + Int64(s) * 5000 + Int64(t),
          status: 200, contentType: "application/openmetrics-text; version=1.0.0", body: Array(body.utf8)))
    }
  }
}

extension String {
  func trimmingCharacters() -> String {
    var s = Substring(self)
    while let l = s.last, l.isWhitespace { s.removeLast() }
    return String(s)
  }
}
