import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// The scale path against a real Prometheus (Debian's `prometheus` package) on loopback,
/// scraping the fixture server as it would scrape ztunnels.
@Suite(.serialized) struct PrometheusTests {
  static var prometheus: String? { Harness.which("prometheus") }

  /// Prometheus' `increase()` extrapolates to the window's edges (up to half a scrape
  /// interval each side) and cannot count the first value of a series born inside the
  /// window; the README documents both.
  ///
  /// Here every flow exists from the first scrape, the
  /// frames served are frozen before the query, and the query is evaluated at the last
  /// sample, so the difference is the start extrapolation alone (half an interval over at
  /// least 20): 10% a zone pair leaves room for scrape-time jitter.
  static let tolerance = 0.10

  @Test(
    .enabled(if: prometheus != nil, "prometheus is not installed (make test installs it): skipped"),
    .timeLimit(.minutes(3)))
  func apiNumbersMatchDirectScrapesOfTheSameFrames() throws {
    let server = try FixtureServer()
    let dir = Harness.tempDir("prometheus")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let jobs = (0..<12).map { i in
      "  - job_name: zt\(i)\n    metrics_path: /t/\(i)/metrics\n    static_configs:\n      - targets: ['127.0.0.1:\(server.port)']"
    }.joined(separator: "\n")
    try Files.writeAtomically(
      Array("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n\(jobs)\n".utf8),
      to: dir + "/prometheus.yml")
    let port = Int.random(in: 20000...29999)
    let prom = try Child(
      Self.prometheus!,
      [
        "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
        "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
      ])
    _ = prom
    let base = "http://127.0.0.1:\(port)"
    var options = HTTPOptions()
    options.timeoutMs = 5000
    let client = PrometheusClient(baseURL: base, http: options)
    // Wait until every target has been scraped at least 16 times.
    let poller = Poller(options: options)
    var scrapes: [String: Int] = [:]
    let deadline = Date().addingTimeInterval(90)
    while Date() < deadline {
      sleep(2)
      let q = "count_over_time(istio_build[10m])"
      let r = poller.fetch([
        base + "/api/v1/query?query=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
      ])[0]
      guard r.isSuccess, let doc = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
        let data = doc["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
      else { continue }
      scrapes = [:]
      for item in result {
        let job = (item["metric"] as? [String: String])?["job"] ?? ""
        scrapes[job] = Int((item["value"] as? [Any])?.last as? String ?? "0") ?? 0
      }
      if scrapes.count == 12 && scrapes.values.allSatisfy({ $0 >= 20 }) { break }
    }
    #expect(scrapes.count == 12, "Prometheus scraped \(scrapes)")
    // Stop serving frames, let the last scrapes land, and note what was served.
    _ = poller.fetch([server.url("/control/freeze")])
    sleep(3)
    let served = try server.stats()["served"] as! [Int]
    // Evaluate at the newest sample, so nothing is extrapolated past the data.
    let q = "max(timestamp(istio_build))"
    let last = poller.fetch([
      base + "/api/v1/query?query=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    ])[0]
    let lastDoc = try JSONSerialization.jsonObject(with: Data(last.body)) as! [String: Any]
    let lastValue =
      (((lastDoc["data"] as! [String: Any])["result"] as! [[String: Any]]).first?["value"] as? [Any])?.last as? String
    let end = Int64(((Double(lastValue ?? "") ?? Double(WallClock.nowMs()) / 1000) * 1000).rounded())
    let api = try client.increases(endMs: end, rangeMs: 600_000)
    var history = TrafficHistory()
    history.append(startMs: end - 600_000, endMs: end, deltas: api)
    let viaAPI = history.report(windowMs: 600_000, options: ReportOptions())
    // Direct: the same frames through zonetop's own counter engine.
    let targets = try demoTargets()
    try demoPrefix(frames: Dictionary(uniqueKeysWithValues: zip(targets, served)), to: dir + "/served.ztrec")
    var problems: [String] = []
    let direct = OfflineAggregation.report(
      source: try OfflineSource(path: dir + "/served.ztrec"), windowMs: nil, options: ReportOptions(),
      problems: &problems)
    let a = zoneBytes(viaAPI)
    let d = zoneBytes(direct)
    #expect(Set(a.keys) == Set(d.keys))
    for (pair, bytes) in d {
      let got = Double(a[pair] ?? 0)
      #expect(abs(got - Double(bytes)) <= Self.tolerance * Double(bytes), "\(pair): API \(got), direct \(bytes)")
    }
    let worst = d.map { pair, bytes in abs(Double(a[pair] ?? 0) - Double(bytes)) / Double(bytes) }.max() ?? 0
    print(
      "Prometheus vs direct: worst zone pair differs by \(NumberText.fixed(worst * 100, 1))% over \(served.min() ?? 0)-\(served.max() ?? 0) frames a target"
    )
    let total = { (m: [ZonePair: UInt64]) in Double(m.values.reduce(0, +)) }
    #expect(abs(total(a) - total(d)) <= Self.tolerance * total(d))
    // The auto policy dropped the same duplicate reports on both paths (within the same tolerance).
    #expect(
      abs(Double(viaAPI.duplicateBytesDropped) - Double(direct.duplicateBytesDropped)) <= Self.tolerance
        * Double(direct.duplicateBytesDropped))
  }
}
