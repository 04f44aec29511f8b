import Foundation
import Testing
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// `zonetop snapshot --prometheus` against real engines on loopback: Debian's `prometheus`
/// and `victoria-metrics`, each scraping the multi-cluster fixture's frames from the
/// fixture server as it would scrape ztunnels, compared with zonetop's own count of the
/// same frames.
///
/// Every frame of the recording is served (the tests wait until each target's frames run
/// out) before zonetop asks, so the direct count is the whole recording's.
@Suite(.serialized) struct PrometheusServersTests {
  static var prometheus: String? { Harness.which("prometheus") }
  static var victoriaMetrics: String? { Harness.which("victoria-metrics") }

  /// Prometheus extrapolates `increase()` to the window's edges.
  ///
  /// Here the window holds all 25 samples of every series and ends long after the last, so the end is extrapolated by
  /// half an interval (+1/48, 2.1%); the start is not, as the first values are 0 (the zero
  /// clamp). 10% a zone pair, as in `PrometheusTests`, leaves room for scrape-time jitter.
  static let prometheusTolerance = 0.10
  /// VictoriaMetrics does not extrapolate.
  ///
  /// With every sample in the window and first values
  /// of 0 its increase is the direct one; 2% leaves room for a scrape lost to a timeout.
  static let victoriaMetricsTolerance = 0.02

  static func fixture(_ variant: String) -> String { Harness.repo + "/Fixtures/multicluster/\(variant).ztrec.gz" }

  /// VictoriaMetrics and zonetop's direct count of the same frames, on the variant
  /// without response baggage (gateway hops paired with their server side by service and
  /// principal).
  @Test(
    .enabled(if: victoriaMetrics != nil, "victoria-metrics is not installed (make test installs it): skipped"),
    .timeLimit(.minutes(3)))
  func victoriaMetricsMatchesDirectScrapes() throws {
    let server = try FixtureServer(recording: Self.fixture("no-baggage"))
    let vm = try TSDB(.victoriaMetrics, scraping: server, targets: Array(0..<6))
    try server.waitUntilServed(Self.fixture("no-baggage"))
    let direct = try Snap.of(["snapshot", Self.fixture("no-baggage")])
    let viaVM = try Snap.of(["snapshot", "--prometheus", vm.url, "--window", "3m"])
    #expect(viaVM.targets == [vm.url: "up"])
    let worst = try Snap.compare(viaVM, direct, tolerance: Self.victoriaMetricsTolerance)
    print("VictoriaMetrics vs direct (no-baggage): \(worst)")
    #expect(viaVM.gateway["to_gateway_flows"] == direct.gateway["to_gateway_flows"])
    #expect((direct.gateway["bytes_counted_from_server_side"] ?? 0) > 0)
  }

  /// Prometheus' answers keep what the gateway rules need (`source_principal`,
  /// `destination_principal`, both clusters): the same gateway decisions as direct scrapes,
  /// for both variants that have gateway series.
  @Test(
    .enabled(if: prometheus != nil, "prometheus is not installed (make test installs it): skipped"),
    .timeLimit(.minutes(3)))
  func prometheusAnswersKeepTheGatewayRules() throws {
    let variants = ["no-baggage", "mixed"]
    let servers = try variants.map { try FixtureServer(recording: Self.fixture($0)) }
    let engines = try servers.map { try TSDB(.prometheus, scraping: $0, targets: Array(0..<6)) }
    for (server, variant) in zip(servers, variants) { try server.waitUntilServed(Self.fixture(variant)) }
    for (engine, variant) in zip(engines, variants) {
      let direct = try Snap.of(["snapshot", Self.fixture(variant)])
      let api = try Snap.of(["snapshot", "--prometheus", engine.url, "--window", "3m"])
      let worst = try Snap.compare(api, direct, tolerance: Self.prometheusTolerance)
      print("Prometheus vs direct (\(variant)): \(worst)")
      for flows in ["to_gateway_flows", "from_gateway_flows"] {
        #expect(api.gateway[flows] == direct.gateway[flows], "\(variant) \(flows)")
      }
      for bytes in ["bytes_without_far_locality", "bytes_counted_from_server_side", "from_gateway_bytes_dropped"] {
        let d = Double(direct.gateway[bytes] ?? 0)
        let a = Double(api.gateway[bytes] ?? 0)
        #expect(abs(a - d) <= Self.prometheusTolerance * d, "\(variant) \(bytes): API \(a), direct \(d)")
      }
      let clusters = try Snap.of(["snapshot", "--prometheus", engine.url, "--window", "3m", "--group-by", "cluster"])
      let directClusters = try Snap.of(["snapshot", Self.fixture(variant), "--group-by", "cluster"])
      #expect(Set(clusters.rows.keys) == Set(directClusters.rows.keys), "cluster pairs of \(variant)")
    }
  }

  /// One Prometheus for east and west, one VictoriaMetrics for south, and a dead third URL:
  /// the merged answer is what one Prometheus scraping every node answers, the dead server
  /// is named, and the snapshot exits 0.
  @Test(
    .enabled(
      if: prometheus != nil && victoriaMetrics != nil,
      "prometheus or victoria-metrics is not installed (make test installs them): skipped"),
    .timeLimit(.minutes(3)))
  func severalServersMergeToWhatOneServerSees() throws {
    let fixture = Self.fixture("mixed")
    let split = try FixtureServer(recording: fixture)
    let whole = try FixtureServer(recording: fixture)
    let eastWest = try TSDB(.prometheus, scraping: split, targets: [0, 1, 2, 3])
    let south = try TSDB(.victoriaMetrics, scraping: split, targets: [4, 5])
    let all = try TSDB(.prometheus, scraping: whole, targets: Array(0..<6))
    try split.waitUntilServed(fixture)
    try whole.waitUntilServed(fixture)
    let dead = "http://127.0.0.1:\(freeLoopbackPort())"
    let (status, out, err) = try run(
      Harness.binary,
      [
        "snapshot", "--prometheus", "\(eastWest.url),\(south.url)", "--prometheus", dead, "--window", "3m",
        "--format", "json",
      ])
    #expect(status == 0, "\(err)")
    #expect(err.contains("\(dead): "), "the dead server's error is shown: \(err)")
    #expect(err.contains("warning: 2 of 3 targets answered (no data from \(TargetName.short(dead)))"), "\(err)")
    let merged = try Snap(json: out)
    #expect(merged.targets == [eastWest.url: "up", south.url: "up", dead: "down"])
    let one = try Snap.of(["snapshot", "--prometheus", all.url, "--window", "3m"])
    let direct = try Snap.of(["snapshot", fixture])
    print("2 servers vs 1 (mixed): \(try Snap.compare(merged, one, tolerance: Self.prometheusTolerance))")
    print("2 servers vs direct (mixed): \(try Snap.compare(merged, direct, tolerance: Self.prometheusTolerance))")
    print("1 server vs direct (mixed): \(try Snap.compare(one, direct, tolerance: Self.prometheusTolerance))")
    // The gateway rule pairs east's client side (Prometheus) with south's server side (VictoriaMetrics).
    #expect(merged.gateway["from_gateway_flows"] == direct.gateway["from_gateway_flows"])
    #expect((merged.gateway["from_gateway_flows"] ?? 0) > 0)

    // The TUI's source over the same servers: one update, the three servers in Health, every
    // cluster's traffic in the window (range queries, a round per 5 s step). VictoriaMetrics
    // answers the steps within -search.latencyOffset (30 s) of now with a copy of the step
    // before, and here the traffic has just stopped: its newest steps count again what the
    // step before them did (+10% of the total here), hence 25%.
    let source = PrometheusSource(
      servers: PrometheusServers(urls: [eastWest.url, south.url, dead], http: HTTPOptions()), intervalMs: 60_000,
      windowMs: 180_000, stepMs: 5000, namespace: nil)
    source.start()
    var update: SourceUpdate?
    let deadline = Date().addingTimeInterval(30)
    while update == nil && Date() < deadline {
      usleep(100_000)
      // Progress updates (a query running for 2 s and more) carry no rounds: the answer is the one that does.
      update = source.takeUpdates(realSeconds: 0.1).first { $0.resets }
    }
    source.stop()
    let live = try #require(update)
    #expect(live.health.map(\.target) == [eastWest.url, south.url, dead])
    #expect(live.health.map(\.up) == [true, true, false])
    #expect(live.health[2].lastError?.contains("connection refused") == true, "\(live.health[2])")
    var history = TrafficHistory(maxRounds: Int.max)
    history.append(flows: live.newFlows)
    for round in live.rounds { history.append(round) }
    let report = history.report(windowMs: nil, options: ReportOptions())
    let clusters = Set(report.clusterPairs.filter { $0.value.bytes > 0 }.keys.map(\.from))
    #expect(clusters.isSuperset(of: ["east", "west", "south"]), "\(clusters)")
    let liveBytes = Double(report.zonePairs.values.reduce(0) { $0 + $1.bytes })
    let snapshotBytes = Double(merged.rows.values.reduce(0, +))
    let liveDiff = String(format: "%+.2f%%", (liveBytes / snapshotBytes - 1) * 100)
    print("TUI source (5 s steps) vs snapshot of the same 2 servers (mixed): total \(liveDiff)")
    #expect(abs(liveBytes - snapshotBytes) <= 0.25 * snapshotBytes, "live \(liveBytes), snapshot \(snapshotBytes)")

    // Only the dead server: no data, exit 3.
    let (deadStatus, _, deadErr) = try run(Harness.binary, ["snapshot", "--prometheus", dead])
    #expect(deadStatus == 3, "\(deadErr)")
    #expect(deadErr.contains("no data: the Prometheus server did not answer"), "\(deadErr)")
  }

  /// A URL given twice would count its flows twice; an empty one is a typo: both are usage errors.
  @Test func repeatedOrEmptyURLsAreUsageErrors() throws {
    for (args, message) in [
      (["--prometheus", "http://127.0.0.1:9,http://127.0.0.1:9/"], "http://127.0.0.1:9/ is given twice"),
      (["--prometheus", "http://127.0.0.1:9", "--prometheus", "http://127.0.0.1:9"], "http://127.0.0.1:9 is given"),
      (["--prometheus", "http://127.0.0.1:9,"], "an empty URL in"),
    ] {
      let (status, _, err) = try run(Harness.binary, ["snapshot"] + args)
      #expect(status == 2, "\(args): \(err)")
      #expect(err.contains("--prometheus: \(message)"), "\(args): \(err)")
    }
  }
}

// MARK: - Engines and answers

/// A Prometheus or VictoriaMetrics on a free loopback port, scraping some targets of a
/// fixture server every second; killed (and its data removed) when released.
final class TSDB {
  enum Engine { case prometheus, victoriaMetrics }

  let url: String
  private let dir: String
  private var child: Child?

  /// `rules` (Prometheus only) is a rule file's YAML, loaded and evaluated every second.
  init(_ engine: Engine, scraping server: FixtureServer, targets: [Int], rules: String? = nil) throws {
    dir = Harness.tempDir("tsdb")
    if let rules { try Files.writeAtomically(Array(rules.utf8), to: dir + "/rules.yml") }
    try Self.writeConfig(dir, server: server, targets: targets, rules: rules != nil)
    let port = freeLoopbackPort()
    url = "http://127.0.0.1:\(port)"
    let ready: String
    switch engine {
    case .prometheus:
      guard let binary = Harness.which("prometheus") else { throw HarnessError(message: "no prometheus") }
      child = try Child(
        binary,
        [
          "--config.file=\(dir)/scrape.yml", "--storage.tsdb.path=\(dir)/data",
          "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ])
      ready = "/-/ready"
    case .victoriaMetrics:
      guard let binary = Harness.which("victoria-metrics") else { throw HarnessError(message: "no victoria-metrics") }
      child = try Child(
        binary,
        [
          "-promscrape.config=\(dir)/scrape.yml", "-storageDataPath=\(dir)/data", "-retentionPeriod=1d",
          "-httpListenAddr=127.0.0.1:\(port)", "-loggerLevel=ERROR",
        ])
      ready = "/health"
    }
    let poller = Poller(options: HTTPOptions())
    let deadline = Date().addingTimeInterval(30)
    while !poller.fetch([url + ready])[0].isSuccess {
      guard Date() < deadline else { throw HarnessError(message: "\(engine) on \(url) did not start") }
      usleep(200_000)
    }
  }

  deinit {
    child = nil
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// Writes the scrape configuration: a job a target, every second; the rule file if any.
  private static func writeConfig(_ dir: String, server: FixtureServer, targets: [Int], rules: Bool) throws {
    let jobs = targets.map { i in
      "  - job_name: zt\(i)\n    metrics_path: /t/\(i)/metrics\n    static_configs:\n      - targets: ['127.0.0.1:\(server.port)']"
    }.joined(separator: "\n")
    var global = "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
    if rules { global += "  evaluation_interval: 1s\nrule_files:\n  - \(dir)/rules.yml\n" }
    let scrapes = jobs.isEmpty ? "scrape_configs: []\n" : "scrape_configs:\n\(jobs)\n"
    try Files.writeAtomically(Array((global + scrapes).utf8), to: dir + "/scrape.yml")
  }

  /// Prometheus only: scrapes these targets from now on (the configuration reloaded on SIGHUP).
  func scrape(_ server: FixtureServer, targets: [Int]) throws {
    try Self.writeConfig(dir, server: server, targets: targets, rules: Files.exists(dir + "/rules.yml"))
    if let pid = child?.process.processIdentifier { kill(pid, SIGHUP) }
  }
}

extension FixtureServer {
  /// Waits until every target of `recording` was served all its frames, and the engines
  /// have stored the last ones.
  func waitUntilServed(_ recording: String) throws {
    var frames: [String: Int] = [:]
    var order: [String] = []
    for e in try OfflineSource(path: recording).entries {
      if frames[e.target] == nil { order.append(e.target) }
      frames[e.target, default: 0] += 1
    }
    let want = order.map { frames[$0] ?? 0 }
    let deadline = Date().addingTimeInterval(120)
    var served: [Int] = []
    while Date() < deadline {
      served = ((try? stats())?["served"] as? [Int]) ?? []
      if served == want { break }
      sleep(1)
    }
    guard served == want else { throw HarnessError(message: "served \(served) of \(want) frames") }
    // A scrape answered a second ago is searchable by now (VictoriaMetrics flushes every second).
    sleep(3)
  }
}

/// A free TCP port on 127.0.0.1 (bound, read and released).
func freeLoopbackPort() -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  var len = socklen_t(MemoryLayout<sockaddr_in>.size)
  let ok = withUnsafeMutablePointer(to: &addr) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
    }
  }
  return ok ? Int(UInt16(bigEndian: addr.sin_port)) : Int.random(in: 20000...29999)
}

/// What `zonetop snapshot --format json` printed: rows by pair, the gateway counts, the targets.
struct Snap {
  /// `source->destination` (zones as `region/zone`, or clusters) -> bytes, rows with bytes only.
  var rows: [String: UInt64] = [:]
  var gateway: [String: UInt64] = [:]
  /// Target -> `up` or `down`.
  var targets: [String: String] = [:]

  init(json: String) throws {
    guard let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
      throw HarnessError(message: "not JSON: \(json.prefix(200))")
    }
    for r in doc["rows"] as? [[String: Any]] ?? [] {
      let bytes = (r["bytes"] as? NSNumber)?.uint64Value ?? 0
      guard bytes > 0 else { continue }
      let key: String
      if let from = r["source_cluster"] as? String, let to = r["destination_cluster"] as? String {
        key = "\(from)->\(to)"
      } else {
        let v = { (name: String) in r[name] as? String ?? "" }
        key = "\(v("source_region"))/\(v("source_zone"))->\(v("destination_region"))/\(v("destination_zone"))"
      }
      rows[key] = bytes
    }
    for (k, v) in doc["east_west_gateway"] as? [String: Any] ?? [:] { gateway[k] = (v as? NSNumber)?.uint64Value }
    for t in doc["targets"] as? [[String: Any]] ?? [] {
      if let name = t["target"] as? String { targets[name] = t["status"] as? String }
    }
  }

  /// Runs `zonetop ARGS --format json`, which must exit 0.
  static func of(_ args: [String]) throws -> Snap {
    let (status, out, err) = try run(Harness.binary, args + ["--format", "json"])
    guard status == 0 else { throw HarnessError(message: "zonetop \(args.joined(separator: " ")): \(status) \(err)") }
    return try Snap(json: out)
  }

  /// Expects the same pairs and every pair's bytes (and the total) within `tolerance` of
  /// `reference`'s; returns the figures in words.
  static func compare(_ got: Snap, _ reference: Snap, tolerance: Double) throws -> String {
    #expect(Set(got.rows.keys) == Set(reference.rows.keys))
    var worst = 0.0
    var worstPair = ""
    for (pair, bytes) in reference.rows {
      let g = Double(got.rows[pair] ?? 0)
      let d = (g - Double(bytes)) / Double(bytes)
      #expect(abs(d) <= tolerance, "\(pair): \(g), reference \(bytes)")
      if abs(d) > abs(worst) { (worst, worstPair) = (d, pair) }
    }
    let total = Double(reference.rows.values.reduce(0, +))
    let gotTotal = Double(got.rows.values.reduce(0, +))
    #expect(abs(gotTotal - total) <= tolerance * total, "total \(gotTotal), reference \(total)")
    func pct(_ x: Double) -> String { (x >= 0 ? "+" : "") + String(format: "%.2f%%", x * 100) }
    let n = reference.rows.count
    let pairs = worst == 0 ? "all \(n) pairs exact" : "worst of \(n) pairs \(pct(worst)) (\(worstPair))"
    return "total \(pct((gotTotal - total) / total)), \(pairs)"
  }
}
