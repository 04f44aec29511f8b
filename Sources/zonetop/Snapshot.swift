import ArgumentParser
import Glibc
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// `zonetop snapshot SOURCE`: aggregate recorded scrapes and print or write the result.
struct SnapshotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Aggregate a recording, scrape directory or exposition file into a table, CSV or JSON.",
    discussion: """
      SOURCE is a zonetop recording (.ztrec, optionally gzip-compressed), a scrape directory \
      (DIR/TARGET/EPOCH_MS.prom[.gz]), a single exposition file (one scrape: totals, no rates), \
      ztunnel URLs (polled at the start and the end of --window, default 10s), or nothing with \
      --prometheus URL (the last --window, default 5m, aggregated server-side). \
      A regular --output file is replaced atomically; a device, FIFO or symlink is written in place or \
      through the link. Costs are estimates.
      """
  )

  @Argument(help: "A recording, a scrape directory, an exposition file, or ztunnel URLs.")
  var sources: [String] = []

  @Option(help: "A Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics) to query instead.")
  var prometheus: String?

  @OptionGroup var http: HTTPFlags
  @OptionGroup var kube: KubeFlags

  @Option(help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of standard output; - for stdout.")
  var output: String?

  @Option(help: "Group by zone, region, cluster or workload.")
  var groupBy: GroupBy = .zone

  @Option(help: "Only the last part of the source, e.g. 5m.")
  var window: DurationOption?

  @Option(help: "Worker threads for recordings and directories (targets are split among them).")
  var threads: Int = 2

  @Flag(
    inversion: .prefixedNo,
    help: "Check each recorded frame's checksum (about an eighth of the CPU time on large recordings).")
  var verifyChecksums = true

  @OptionGroup var shared: SharedOptions

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
  }

  func validate() throws {
    let given = [!sources.isEmpty || http.targetsFile != nil, prometheus != nil, kube.kube].filter { $0 }.count
    if given == 0 { throw ValidationError("give a recording, a directory, a file, URLs, --kube, or --prometheus URL") }
    if given > 1 {
      throw ValidationError("give one source: a recording, directory, file or URLs; --kube; or --prometheus")
    }
  }

  func run() throws {
    let options = try shared.reportOptions()
    var problems: [String] = []
    let report: TrafficReport
    var targets: [TargetHealth] = []
    if let prometheus {
      let windowMs = window?.ms ?? 300_000
      let client = PrometheusClient(baseURL: prometheus, http: try http.httpOptions())
      let end = WallClock.nowMs()
      do {
        let flows = try client.increases(endMs: end, rangeMs: windowMs, namespace: shared.namespace)
        var history = TrafficHistory()
        history.append(startMs: end - windowMs, endMs: end, deltas: flows)
        report = history.report(windowMs: windowMs, options: options)
        var server = TargetHealth(target: prometheus)
        server.up = true
        server.scrapes = 1
        targets = [server]
      } catch {
        printError("zonetop: \(error)")
        throw ExitCode(1)
      }
    } else if kube.kube {
      (report, targets) = try pollTwice(
        try kube.provider(scrape: try http.httpOptions()).provider, options: options, problems: &problems)
    } else if sources.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
      let urls = StaticTargets(urls: try http.targets(sources), http: try http.httpOptions())
      (report, targets) = try pollTwice(urls, options: options, problems: &problems)
    } else {
      guard sources.count == 1 else { throw ValidationError("give one recording, directory or file (or only URLs)") }
      var offline: OfflineSource
      do { offline = try OfflineSource(path: sources[0]) } catch {
        printError("zonetop: \(error)")
        throw ExitCode(1)
      }
      offline.verifyChecksums = verifyChecksums
      if let window, offline.kind != .file {
        try checkWindow(window.ms, interval: offline.intervalMs, of: "the recording's")
      }
      guard !offline.entries.isEmpty else {
        printProblems(offline.problems)
        printError("zonetop: no data: \(sources[0]) holds no scrapes")
        throw ExitCode(3)
      }
      let result = OfflineAggregation.run(
        source: offline, windowMs: window?.ms, problems: &problems, threads: max(1, threads),
        engine: http.engineOptions)
      report = result.history.report(windowMs: window?.ms, options: options)
      targets = result.health
    }
    printProblems(problems)
    // The same per-target limit as polling, and said when reached: the rest were not counted.
    for t in targets where t.scrapesOverLimit > 0 {
      printError(
        "zonetop: warning: \(Sanitize.short(t.target, limit: 120)): reached the limit of "
          + "\(http.engineOptions.maxSeriesPerTarget) series per target in \(t.scrapesOverLimit) "
          + "scrape\(t.scrapesOverLimit == 1 ? "" : "s") (\(t.seriesOverLimit) new series ignored in the last): "
          + "their bytes are not counted; raise --max-series-per-target")
    }
    // No data is never a $0 result: exit 3 when no target produced metrics.
    let answered = targets.filter { $0.scrapes > 0 }
    if answered.isEmpty {
      let why = targets.first?.lastError.map { ": \(Sanitize.short($0, limit: 120))" } ?? ""
      printError("zonetop: no data: none of the \(targets.count) targets produced metrics\(why)")
      throw ExitCode(3)
    }
    if answered.count < targets.count {
      printError("zonetop: warning: \(ReportExport.targetsLine(targets))")
    }
    let text: String
    switch format {
    case .table: text = ReportExport.table(report, groupBy: groupBy, targets: targets)
    case .csv: text = ReportExport.csv(report, groupBy: groupBy)
    case .json: text = ReportExport.json(report, groupBy: groupBy, targets: targets)
    }
    try emit(text, to: output)
  }
}

extension SnapshotCommand {
  /// Polls the targets at the start and the end of the window and aggregates the increase.
  func pollTwice(_ provider: TargetProvider, options: ReportOptions, problems: inout [String]) throws -> (
    TrafficReport, [TargetHealth]
  ) {
    var history = TrafficHistory()
    let engine = TrafficEngine(options: http.engineOptions)
    let windowMs = window?.ms ?? 10_000
    for round in 0..<2 {
      if round == 1 { usleep(UInt32(min(windowMs, 3_600_000)) * 1000) }
      let refresh = provider.refresh(nowMs: WallClock.nowMs())
      if let e = refresh.discovery?.error { problems.append("kube: \(e)") }
      var latest: Int64 = 0
      Poller(options: refresh.http).fetch(refresh.targets) { _, r in
        latest = max(latest, r.startMs)
        if let e = r.error { problems.append("\(Sanitize.visible(r.target)): \(e)") }
        engine.ingest(r)
      }
      history.append(flows: Array(engine.flows.keys[history.flows.count...]))
      history.append(engine.takeRound(endMs: latest))
    }
    return (history.report(windowMs: nil, options: options), engine.health)
  }
}
