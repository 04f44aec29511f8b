import CMallocCount
import Foundation
import ZoneTopTraffic

/// Resident memory per live series and per distinct hop: the counter engine fed the same
/// 2,000-series body (500 hops) by 100 and by 500 targets, with the hops shared by every
/// target (as a mesh's ztunnels report them) and with each target's hops its own.
func memoryBench() {
  line("== memory: the counter engine, 100 and 500 targets x 2,000 series, shared and distinct hops")
  let body = shell(
    "python3 -c \"import sys; sys.path.insert(0, '\(Paths.repo)/scripts'); import fixture_server as f; sys.stdout.write(f.synthetic_body(2000, 0).decode())\""
  )
  guard body.contains("istio_tcp_") else { return line("cannot make the body: \(body.prefix(200))") }
  for distinct in [false, true] {
    var rss: [Int: Int] = [:]
    var flows: [Int: Int] = [:]
    for targets in [100, 500] {
      zt_malloc_trim()
      let before = currentRSS()
      var engine: TrafficEngine? = TrafficEngine()
      for t in 0..<targets {
        let text =
          distinct
          ? body.replacingOccurrences(of: "destination_workload=\"", with: "destination_workload=\"t\(t)-") : body
        _ = Array(text.utf8).withUnsafeBytes {
          engine?.ingest(
            target: "http://10.0.\(t / 250).\(t % 250):15020/metrics", timeMs: 0, body: $0, contentType: nil)
        }
      }
      zt_malloc_trim()
      rss[targets] = currentRSS() - before
      flows[targets] = engine?.flows.count ?? 0
      engine = nil
    }
    let series = Double(400 * 2000)
    let perSeries = Double((rss[500] ?? 0) - (rss[100] ?? 0)) / series
    let hops = Double((flows[500] ?? 0) - (flows[100] ?? 0))
    line(
      "\(distinct ? "distinct" : "shared") hops: 100 targets \(mb(rss[100] ?? 0)) (\(flows[100] ?? 0) flows), 500 targets \(mb(rss[500] ?? 0)) (\(flows[500] ?? 0) flows); marginal \(fmt(perSeries, 0)) B a live series"
        + (distinct ? ", \(fmt(perSeries * series / max(1, hops), 0)) B a distinct hop with its 4 series" : "")
    )
  }
}
