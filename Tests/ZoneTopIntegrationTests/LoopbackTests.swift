import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// Live polling, recording and replay against a fixture server on loopback.
@Suite(.serialized) struct LoopbackTests {
  @Test func recordedRoundsSnapshotToExactlyTheFramesServed() throws {
    let server = try FixtureServer()
    let dir = Harness.tempDir("record")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let targets = (0..<12).map(server.target)
    let poller = Poller(options: HTTPOptions())
    let writer = try RecordingWriter(path: dir + "/live.ztrec")
    let rounds = 8
    for _ in 0..<rounds {
      for r in poller.fetch(targets) {
        #expect(r.isSuccess, "\(r.target): \(r.error ?? "")")
        try writer.append(r.frame)
      }
    }
    var problems: [String] = []
    let live = OfflineAggregation.report(
      source: try OfflineSource(path: dir + "/live.ztrec"), windowMs: nil, options: ReportOptions(), problems: &problems
    )
    // What was served: the first `rounds` frames of each demo target.
    try demoPrefix(
      frames: Dictionary(uniqueKeysWithValues: try demoTargets().map { ($0, rounds) }), to: dir + "/served.ztrec")
    let served = OfflineAggregation.report(
      source: try OfflineSource(path: dir + "/served.ztrec"), windowMs: nil, options: ReportOptions(),
      problems: &problems)
    #expect(problems == [])
    #expect(!zoneBytes(served).isEmpty)
    #expect(zoneBytes(live) == zoneBytes(served))
    #expect(live.duplicateBytesDropped == served.duplicateBytesDropped)
  }

  @Test func liveFeedCountsWhatItRecords() throws {
    let server = try FixtureServer()
    let dir = Harness.tempDir("livefeed")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let writer = try RecordingWriter(path: dir + "/feed.ztrec")
    let feed = LiveSource(urls: (0..<12).map(server.target), intervalMs: 300, http: HTTPOptions(), recordTo: writer)
    var data = CollectedData()
    feed.start()
    let deadline = Date().addingTimeInterval(20)
    while data.roundsReceived < 6 && Date() < deadline {
      usleep(50_000)
      for u in feed.takeUpdates(realSeconds: 0.05) { data.apply(u) }
    }
    feed.stop()
    #expect(data.roundsReceived >= 6)
    let fromFeed = data.history.report(windowMs: nil, options: ReportOptions())
    var problems: [String] = []
    let fromRecording = OfflineAggregation.report(
      source: try OfflineSource(path: dir + "/feed.ztrec"), windowMs: nil, options: ReportOptions(), problems: &problems
    )
    #expect(!zoneBytes(fromFeed).isEmpty)
    #expect(zoneBytes(fromFeed) == zoneBytes(fromRecording))
    #expect(data.health.allSatisfy { $0.up })
    #expect(data.health.allSatisfy { ($0.lastLatency ?? 9) < 5 })
  }

  @Test func openMetricsAndGzipAreNegotiated() throws {
    let server = try FixtureServer()
    let om = Poller(options: HTTPOptions()).fetch([server.target(0)])[0]
    #expect(om.contentType?.hasPrefix("application/openmetrics-text") == true)
    var plain = HTTPOptions()
    plain.accept = "text/plain;version=0.0.4"
    let text = Poller(options: plain).fetch([server.target(1)])[0]
    #expect(text.contentType?.hasPrefix("text/plain") == true)
    // Both bodies arrived gzip-compressed and were inflated by libcurl.
    let stats = try server.stats()
    #expect((stats["gzip"] as? Int ?? 0) >= 2)
    #expect(om.body.withUnsafeBytes { ExpositionFormat.detect(contentType: om.contentType, body: $0) } == .openMetrics)
    #expect(text.body.withUnsafeBytes { Validator.validate($0, source: "t", contentType: text.contentType).isValid })
  }

  @Test func everyFailureHasItsOwnMessageAndSparesTheOthers() throws {
    let server = try FixtureServer(recording: nil)
    var options = HTTPOptions()
    options.timeoutMs = 3000
    options.maxBodyBytes = 16 << 20
    let cases: [(String, String)] = [
      (server.url("/hostile/ok"), ""),
      (server.url("/hostile/500"), "HTTP 500"),
      (server.url("/hostile/redirect"), "too many redirects (more than 5)"),
      (server.url("/hostile/slow"), "timed out after 3 s"),
      (server.url("/hostile/endless"), "body larger than 16 MiB"),
      (server.url("/hostile/gzipbomb"), "body larger than 16 MiB"),
      (server.url("/hostile/reset"), "connection closed mid-body"),
      ("http://127.0.0.1:1/metrics", "connection refused"),
      ("http://zonetop-test-host.invalid/metrics", "cannot resolve the host name"),
    ]
    let t0 = Date()
    let results = Poller(options: options).fetch(cases.map(\.0))
    let elapsed = Date().timeIntervalSince(t0)
    #expect(elapsed < 6, "the poll must finish on time, took \(elapsed) s")
    for (r, (_, message)) in zip(results, cases) {
      if message.isEmpty {
        #expect(r.isSuccess && !r.body.isEmpty, "\(r.target): \(r.error ?? "")")
      } else {
        #expect(r.error?.hasPrefix(message) == true, "\(r.target): got \(r.error ?? "success")")
      }
    }
    // Random binary and an HTML page are fetched, but they are not metrics: the target is down, saying why.
    let engine = TrafficEngine()
    for (path, reason) in [
      ("/hostile/binary", "no valid sample: 1:"), ("/hostile/html", "not metrics: Content-Type text/html"),
    ] {
      let body = Poller(options: options).fetch([server.url(path)])[0]
      let health = body.body.withUnsafeBytes {
        engine.ingest(target: path, timeMs: 0, body: $0, contentType: body.contentType)
      }
      #expect(!health.up && health.series == 0 && health.failures == 1, "\(path)")
      #expect(health.lastError?.hasPrefix(reason) == true, "\(path): \(health.lastError ?? "")")
    }
  }

  /// Hung targets never make the others time out: a transfer waits for a free slot before
  /// its timeout starts, and the round's deadline ends whatever is left, each saying why.
  @Test func hungTargetsNeitherStarveTheOthersNorOutlastTheRound() throws {
    let server = try FixtureServer()
    var options = HTTPOptions()
    options.maxConcurrent = 2
    options.timeoutMs = 1500
    let targets = [server.url("/hostile/slow"), server.url("/hostile/slow")] + (0..<3).map(server.target)
    let results = Poller(options: options).fetch(targets)
    for r in results.prefix(2) { #expect(r.error == "timed out after 1.5 s", "\(r.target): \(r.error ?? "success")") }
    for r in results.dropFirst(2) { #expect(r.isSuccess, "\(r.target): \(r.error ?? "")") }
    // A round that ends before the hung targets time out: every transfer is accounted for.
    var ended: [Int: ScrapeResult] = [:]
    Poller(options: options).fetch(targets.map(ScrapeTarget.init(url:)), deadline: WallClock.monotonic() + 0.5) {
      ended[$0] = $1
    }
    #expect(ended.count == targets.count)
    for i in 0..<2 {
      #expect(ended[i]?.error?.hasPrefix("no answer by the end of the round") == true, "\(ended[i]?.error ?? "")")
    }
    for i in 2..<5 {
      #expect(ended[i]?.error == "not fetched: the round ended while 2 other transfers held every connection slot")
    }
  }

  /// The whole process, with the default 64 MiB body limit: every hostile endpoint at once in
  /// each poll, for two polls; each gets its own error, and memory stays bounded.
  @Test func hostileEndpointsKeepThePollOnTimeAndMemoryBounded() throws {
    let server = try FixtureServer(recording: Harness.demo)
    let dir = Harness.tempDir("hostile-rss")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let hostile = ["slow", "endless", "gzipbomb", "reset", "500", "redirect", "binary"].map {
      server.url("/hostile/\($0)")
    }
    let urls = hostile + [server.target(0), "http://127.0.0.1:1/metrics", "http://zonetop-test-host.invalid/metrics"]
    let r = try runMeasured(
      Harness.binary,
      ["record"] + urls + ["--interval", "4s", "--timeout", "3s", "--duration", "7s", "--out", dir + "/r.ztrec"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.peakRSS < 400 << 20, "peak RSS \(r.peakRSS >> 20) MiB")
    #expect(r.seconds < 10, "took \(r.seconds) s")
    for message in [
      "HTTP 500", "too many redirects", "timed out after 3 s", "body larger than 64 MiB", "connection closed mid-body",
      "connection refused", "cannot resolve the host name",
    ] {
      #expect(r.stderr.contains(message), "\(message) missing from: \(r.stderr)")
    }
    // The good target's two scrapes were recorded whole.
    let source = try OfflineSource(path: dir + "/r.ztrec")
    #expect(source.entries.filter { $0.target == server.target(0) && $0.isSuccess }.count == 2)
    print("hostile poll: peak RSS \(r.peakRSS >> 20) MiB, \(String(format: "%.1f", r.seconds)) s")
  }

  @Test func theBearerTokenNeverFollowsARedirectToAnotherHost() throws {
    let server = try FixtureServer(recording: nil)
    var options = HTTPOptions()
    options.bearerToken = "s3cret"
    let direct = Poller(options: options).fetch([server.url("/hostile/whoami")])[0]
    #expect(String(decoding: direct.body, as: UTF8.self) == "# authorization: Bearer s3cret\n")
    let redirected = Poller(options: options).fetch([server.url("/hostile/elsewhere")])[0]
    #expect(redirected.isSuccess, "\(redirected.error ?? "")")
    #expect(String(decoding: redirected.body, as: UTF8.self) == "# authorization: none\n")
  }

  @Test func selfSignedTLSIsRefusedUnlessInsecure() throws {
    guard let openssl = Harness.which("openssl") else { return }
    let dir = Harness.tempDir("tls")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try run(
      openssl,
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        "-days", "1", "-subj", "/CN=127.0.0.1",
      ])
    let server = try Child(
      openssl, ["s_server", "-accept", "0", "-cert", dir + "/cert.pem", "-key", dir + "/key.pem", "-www"])
    guard let line = server.waitForLine(prefix: "ACCEPT"),
      let port = line.split(separator: ":").last.flatMap({ Int($0) })
    else {
      Issue.record("openssl s_server did not start")
      return
    }
    let url = "https://127.0.0.1:\(port)/metrics"
    var options = HTTPOptions()
    options.timeoutMs = 3000
    let refused = Poller(options: options).fetch([url])[0]
    #expect(refused.error?.hasPrefix("TLS:") == true, "\(refused.error ?? "success")")
    #expect(refused.error?.contains("--cacert") == true)
    options.insecure = true
    let accepted = Poller(options: options).fetch([url])[0]
    #expect(accepted.status == 200, "\(accepted.error ?? "")")
  }
}
