import Foundation
import Testing
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// `zonetop rules` loaded into a real Prometheus (Debian's `prometheus`) scraping the
/// multi-cluster fixture on loopback: `snapshot --prometheus` finds the recorded series,
/// says so, and gets the zone matrix the raw series give.
@Suite(.serialized) struct RecordingRulesTests {
  static var prometheus: String? { Harness.which("prometheus") }

  /// The rules' sum of per-evaluation increases and the raw `increase()` over one window.
  ///
  /// They differ at the traffic's two edges: the raw one extrapolates the last samples to
  /// the window's end (+2.1% here), the rules' rates extrapolate within each 10 s rate
  /// range. The README documents 10% a zone pair, as `PrometheusServersTests` allows raw
  /// vs direct.
  static let tolerance = 0.10

  /// Prometheus evaluates the rules from its start, and only then scrapes the fixture
  /// (a reload), so a window from just after its start holds every frame and the rules'
  /// heartbeat at both ends: the recorded series are found and used.
  @Test(
    .enabled(if: prometheus != nil, "prometheus is not installed (make test installs it): skipped"),
    .timeLimit(.minutes(3)))
  func recordedSeriesGiveTheRawZoneMatrix() throws {
    let fixture = Harness.repo + "/Fixtures/multicluster/mixed.ztrec.gz"
    let (status, rules, err) = try run(Harness.binary, ["rules", "--evaluation-interval", "1s", "--rate-range", "10s"])
    #expect(status == 0, "\(err)")
    #expect(rules.contains("record: \(RecordingRules.recordName)"))
    // --loop: after its frames a target repeats the last one, as a ztunnel keeps reporting.
    let server = try FixtureServer(recording: fixture, extra: ["--loop"])
    let started = Date()
    let engine = try TSDB(.prometheus, scraping: server, targets: [], rules: rules)
    sleep(4)
    try engine.scrape(server, targets: Array(0..<6))
    try server.waitUntilServed(fixture)
    // The rates of the last frames are evaluated within one rate range (10 s) after them.
    sleep(12)
    let window = "\(Int(Date().timeIntervalSince(started)) - 2)s"
    let (viaRules, rulesErr) = try Self.snapshot(engine.url, ["--window", window])
    #expect(
      rulesErr.contains("\(engine.url): using recorded series \(RecordingRules.recordName)"), "\(rulesErr)")
    let direct = try Snap.of(["snapshot", fixture])
    // The same server's raw series over the same window, asked for by name.
    let (rawOnly, rawErr) = try Self.snapshot(engine.url, ["--window", window, "--series", "raw"])
    #expect(rawErr.contains("\(engine.url): using raw istio_tcp_* series"), "\(rawErr)")
    print("rules vs raw (mixed, --window \(window)): \(try Snap.compare(viaRules, rawOnly, tolerance: Self.tolerance))")
    print("rules vs direct (mixed): \(try Snap.compare(viaRules, direct, tolerance: Self.tolerance))")
    print("raw vs direct (mixed): \(try Snap.compare(rawOnly, direct, tolerance: Self.tolerance))")
    #expect(viaRules.gateway["from_gateway_flows"] == direct.gateway["from_gateway_flows"])
    #expect(viaRules.gateway["to_gateway_flows"] == direct.gateway["to_gateway_flows"])
  }

  /// `snapshot --prometheus URL --format json EXTRA`, which must exit 0: the rows and stderr.
  static func snapshot(_ url: String, _ extra: [String] = []) throws -> (Snap, String) {
    let (status, out, err) = try run(
      Harness.binary, ["snapshot", "--prometheus", url, "--format", "json"] + extra)
    guard status == 0 else { throw HarnessError(message: "snapshot --prometheus \(url): \(status) \(err)") }
    return (try Snap(json: out), err)
  }
}

extension RecordingRulesTests {
  /// Without the rules loaded, `--series recorded` is refused with the reason, and auto uses the raw series.
  @Test(
    .enabled(if: prometheus != nil, "prometheus is not installed (make test installs it): skipped"),
    .timeLimit(.minutes(2)))
  func withoutTheRulesRecordedIsRefusedAndAutoSaysRaw() throws {
    let fixture = Harness.repo + "/Fixtures/multicluster/no-baggage.ztrec.gz"
    let server = try FixtureServer(recording: fixture, extra: ["--loop"])
    let engine = try TSDB(.prometheus, scraping: server, targets: Array(0..<6))
    try server.waitUntilServed(fixture)
    let (status, _, err) = try run(
      Harness.binary, ["snapshot", "--prometheus", engine.url, "--window", "3m", "--series", "recorded"])
    #expect(status == 3, "\(err)")
    #expect(err.contains("\(engine.url): no recorded series \(RecordingRules.recordName) cover the window"), "\(err)")
    let (_, autoErr) = try Self.snapshot(engine.url, ["--window", "3m"])
    #expect(autoErr.contains("using raw istio_tcp_* series (no recorded series over the window"), "\(autoErr)")
  }
}

/// An API server that never answers: `snapshot --prometheus` says the query is running, then
/// fails with the reason and exit 3, never a table of $0.
@Suite struct QueryTimeoutTests {
  @Test(.timeLimit(.minutes(2))) func aQueryThatNeverAnswersIsReportedAndFailsWithTheReason() throws {
    let server = try FixtureServer(recording: nil)
    let url = server.url("/hung")
    let (status, out, err) = try run(
      Harness.binary, ["snapshot", "--prometheus", url, "--series", "raw", "--query-timeout", "7s"])
    #expect(status == 3, "\(err)")
    #expect(out.isEmpty, "\(out)")
    #expect(err.contains("zonetop: \(url): query running for 5 s (--query-timeout 7s)"), "\(err)")
    #expect(
      err.contains("\(url): query timed out after 7 s (raise --query-timeout, or load the recording rules"), "\(err)")
    #expect(err.contains("zonetop: no data: the Prometheus server did not answer"), "\(err)")
    #expect(!err.contains("$0"), "\(err)")
  }

  @Test func absurdQueryTimeoutsGetTheOptionsOwnError() throws {
    for (value, message) in [
      ("0.1s", "--query-timeout 100ms: expected 1s to 1h"), ("2h", "--query-timeout 2h: expected 1s to 1h"),
      ("-1s", "The value '-1s' is invalid for '--query-timeout <query-timeout>'"),
      ("1e20", "The value '1e20' is invalid for '--query-timeout <query-timeout>'"),
    ] {
      let (status, _, err) = try run(
        Harness.binary, ["snapshot", "--prometheus", "http://127.0.0.1:9", "--query-timeout", value])
      #expect(status == 2, "\(value): \(err)")
      #expect(err.contains(message), "\(value): \(err)")
    }
  }
}

extension QueryTimeoutTests {
  /// A Prometheus that scrapes no ztunnel answers every query with no series: `snapshot`
  /// says there is no data and exits 3, never an empty table of $0.
  @Test(
    .enabled(if: RecordingRulesTests.prometheus != nil, "prometheus is not installed (make test installs it): skipped"),
    // A guard against a hang, not a speed check: starting Prometheus beside the other suites took over a minute once.
    .timeLimit(.minutes(3)))
  func anAnswerWithoutIstioSeriesIsNoDataNotZeroDollars() throws {
    let server = try FixtureServer(recording: nil)
    let engine = try TSDB(.prometheus, scraping: server, targets: [])
    let (status, out, err) = try run(Harness.binary, ["snapshot", "--prometheus", engine.url, "--window", "1m"])
    #expect(status == 3, "\(err)")
    #expect(out.isEmpty, "\(out)")
    #expect(err.contains("no data: the answer held no istio_tcp_* series with a count over the last 1m"), "\(err)")
  }
}
