import ArgumentParser
import Glibc
import Synchronization
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
      --prometheus URL (the last --window, default 5m, aggregated server-side; several servers, \
      repeated or comma-separated, are summed per flow). \
      A regular --output file is replaced atomically; a device, FIFO or symlink is written in place or \
      through the link. Costs are estimates.
      """
  )

  @Argument(help: "A recording, a scrape directory, an exposition file, or ztunnel URLs.")
  var sources: [String] = []

  @Option(
    help: ArgumentHelp(
      "A Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics) to query instead.",
      discussion: "Repeat it or separate URLs with commas for one server a cluster; their flows are summed.",
      valueName: "url"))
  var prometheus: [String] = []

  @OptionGroup var query: QueryFlags
  @OptionGroup var http: HTTPFlags
  @OptionGroup var kube: KubeFlags

  @Option(
    help: "Output format: table, csv, json, or findings (Markdown: the hops carrying 90% of the crossing cost).")
  var format: OutputFormat = .table

  @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of standard output; - for stdout.")
  var output: String?

  @Option(help: "Group by zone, region, cluster, workload or namespace.")
  var groupBy: GroupBy = .zone

  @Option(help: "Only the last part of the source, e.g. 5m.")
  var window: DurationOption?

  @Option(
    help: ArgumentHelp(
      "Only the scrapes from this time of a recording or directory: RFC 3339, start, start+D, end-D.",
      valueName: "time"))
  var from: TimeSpec?

  @Option(
    help: ArgumentHelp("Only the scrapes up to this time (as --from; --to=-D for D before the end).", valueName: "time")
  )
  var to: TimeSpec?

  @Option(help: "Worker threads for recordings and directories (targets are split among them).")
  var threads: Int = 2

  @Flag(
    inversion: .prefixedNo,
    help: "Check each recorded frame's checksum (about an eighth of the CPU time on large recordings).")
  var verifyChecksums = true

  @Option(help: "Exit 1 when the cross-zone plus cross-region cost is above this many USD per month (for CI).")
  var failAbove: Double?

  @OptionGroup var shared: SharedOptions

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, findings
  }

  func validate() throws {
    guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads): expected 1 to 256") }
    if let failAbove, !(failAbove.isFinite && failAbove >= 0) {
      throw ValidationError("--fail-above must be a number of USD per month, 0 or more")
    }
    let given = [!sources.isEmpty || http.targetsFile != nil, !prometheus.isEmpty, kube.kube].filter { $0 }.count
    if given == 0 { throw ValidationError("give a recording, a directory, a file, URLs, --kube, or --prometheus URL") }
    if given > 1 {
      throw ValidationError("give one source: a recording, directory, file or URLs; --kube; or --prometheus")
    }
    _ = try prometheusURLs(prometheus)
    if from != nil || to != nil {
      if !prometheus.isEmpty || kube.kube
        || sources.contains(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") })
      {
        throw ValidationError("--from and --to take a window of a recording or directory, not of live targets")
      }
      if window != nil { throw ValidationError("give --window or --from/--to, not both") }
    }
  }

  func run() throws {
    let options = try shared.reportOptions()
    var problems: [String] = []
    let report: TrafficReport
    var targets: [TargetHealth] = []
    var discovery: DiscoveryStatus?
    if !prometheus.isEmpty {
      (report, targets) = try queryPrometheus(options: options, problems: &problems)
    } else if kube.kube {
      (report, targets, discovery) = try pollTwice(
        try kube.provider(scrape: try http.httpOptions()).provider, options: options, problems: &problems)
    } else if sources.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
      let urls = StaticTargets(urls: try http.targets(sources), http: try http.httpOptions())
      (report, targets, _) = try pollTwice(urls, options: options, problems: &problems)
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
      let span = try Self.span(from: from, to: to, of: offline, path: sources[0])
      let result = OfflineAggregation.run(
        source: offline, windowMs: span == nil ? window?.ms : .max / 4, problems: &problems, threads: max(1, threads),
        engine: http.engineOptions)
      if let span {
        // Every round kept, then the ones between the two times taken (as diff does).
        report = result.history.report(fromMs: span.from, toMs: span.to, options: options)
        guard report.windowSeconds > 0 else {
          printError(
            "zonetop: no data: \(sources[0]) has no two scrapes between \(RFC3339.format(ms: span.from)) and "
              + "\(RFC3339.format(ms: span.to))")
          throw ExitCode(3)
        }
      } else {
        report = result.history.report(windowMs: window?.ms, options: options)
      }
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
    case .findings:
      text = Findings.markdown(
        report, routing: { discovery?.routing(ofService: $0) }, routingKnown: discovery?.services.isEmpty == false)
    }
    try emit(text, to: output)
    let cross = report.perMonth(report.totalCostUSD - report.internetCostUSD)
    if let reason = DiffCommand.aboveLimit(cross, failAbove: failAbove) {
      printError("zonetop: \(reason)")
      throw ExitCode(1)
    }
  }
}

extension SnapshotCommand {
  /// `--from`/`--to` resolved against the recording's first and last scrape; nil when neither is given.
  static func span(from: TimeSpec?, to: TimeSpec?, of source: OfflineSource, path: String) throws -> (
    from: Int64, to: Int64
  )? {
    guard from != nil || to != nil, let first = source.entries.first?.timeMs, let last = source.entries.last?.timeMs
    else { return nil }
    let fromMs = from?.resolve(first: first, last: last) ?? first
    let toMs = to?.resolve(first: first, last: last) ?? last
    guard fromMs < toMs else {
      throw ValidationError("--from \(RFC3339.format(ms: fromMs)) is not before --to \(RFC3339.format(ms: toMs))")
    }
    guard fromMs <= last && toMs >= first else {
      throw ValidationError(
        "--from \(RFC3339.format(ms: fromMs)) --to \(RFC3339.format(ms: toMs)) is outside \(path), whose scrapes span "
          + "\(RFC3339.format(ms: first)) to \(RFC3339.format(ms: last))")
    }
    return (fromMs, toMs)
  }

  /// Asks every `--prometheus` server for the window and sums their flows; exit 3 when none answered.
  ///
  /// Each server is read from the recorded series of `zonetop rules` when they cover the
  /// window, else from the raw ones; a line on stderr says which, and another every 10 s
  /// while a query runs.
  func queryPrometheus(options: ReportOptions, problems: inout [String]) throws -> (TrafficReport, [TargetHealth]) {
    let windowMs = window?.ms ?? 300_000
    let servers = PrometheusServers(
      urls: try prometheusURLs(prometheus), http: query.apiOptions(try http.httpOptions()))
    let end = WallClock.nowMs()
    let notices = QueryNotices(servers.clients.map(\.baseURL), timeoutMs: query.queryTimeout.ms)
    var checks = servers.clients.map { _ in (kind: PrometheusClient.SeriesKind.raw, error: String?.none) }
    if query.series != .raw {
      checks = servers.seriesKinds(endMs: end, rangeMs: windowMs) { i, s in
        notices.tick(i, s, "checking for recorded series")
      }
    }
    for (client, check) in zip(servers.clients, checks) {
      let url = Sanitize.visible(client.baseURL)
      if query.series == .recorded && check.kind == .raw {
        let why =
          check.error.map { "could not check for them (\(Sanitize.visible($0)))" }
          ?? "load the output of zonetop rules, and wait a window"
        printError("zonetop: \(url): no recorded series \(RecordingRules.recordName) cover the window (\(why))")
        throw ExitCode(3)
      }
      var hint = ""
      if query.series == .auto && check.kind == .raw {
        hint =
          check.error != nil
          ? " (the check for recorded series failed)"
          : " (no recorded series over the window; zonetop rules makes queries cheaper)"
      }
      printError("zonetop: \(url): using \(check.kind.words)\(hint)")
    }
    let kinds = checks.map(\.kind)
    notices.reset()
    let outcomes = servers.increases(
      endMs: end, rangeMs: windowMs, namespace: shared.namespace, kinds: kinds,
      progress: { i, s in notices.tick(i, s, "query running") })
    var health: [TargetHealth] = []
    for outcome in outcomes {
      var h = TargetHealth(target: outcome.url)
      outcome.update(&h, nowMs: end)
      health.append(h)
      if let e = outcome.error { problems.append(Sanitize.visible(e)) }
      problems += outcome.skipped.notes.map { "\(Sanitize.visible(outcome.url)): \($0)" }
    }
    let answers = outcomes.compactMap(\.value)
    if answers.isEmpty {
      printProblems(problems)
      let n = outcomes.count
      let who = n == 1 ? "the Prometheus server did not answer" : "none of the \(n) Prometheus servers answered"
      printError("zonetop: no data: \(who)")
      throw ExitCode(3)
    }
    // An answer without a single istio_tcp series is no data either (a wrong URL, a server that
    // does not scrape the ztunnels, a --namespace that matches nothing), never an empty $0 table.
    if answers.allSatisfy(\.isEmpty) {
      printProblems(problems)
      let scope = shared.namespace.map { " from or to namespace \"\(Sanitize.short($0))\"" } ?? ""
      printError(
        "zonetop: no data: the answer\(answers.count == 1 ? "" : "s") held no istio_tcp_* series with a count\(scope) over the "
          + "last \(DurationText.format(ms: windowMs)) (does the server scrape the ztunnels?)")
      throw ExitCode(3)
    }
    var history = TrafficHistory()
    history.append(startMs: end - windowMs, endMs: end, deltas: PrometheusServers.merge(answers))
    return (history.report(windowMs: windowMs, options: options), health)
  }

  /// Polls the targets at the start and the end of the window and aggregates the increase.
  func pollTwice(_ provider: TargetProvider, options: ReportOptions, problems: inout [String]) throws -> (
    TrafficReport, [TargetHealth], DiscoveryStatus?
  ) {
    var discovery: DiscoveryStatus?
    var history = TrafficHistory()
    let engine = TrafficEngine(options: http.engineOptions, lanes: ScrapePipeline.lanesForThisMachine)
    let windowMs = window?.ms ?? 10_000
    var pipeline: ScrapePipeline?
    for round in 0..<2 {
      if round == 1 { usleep(UInt32(min(windowMs, 3_600_000)) * 1000) }
      let refresh = provider.refresh(nowMs: WallClock.nowMs())
      if let e = refresh.discovery?.error { problems.append("kube: \(e)") }
      discovery = refresh.discovery ?? discovery
      let run = pipeline ?? ScrapePipeline(engine: engine, transfers: refresh.http.maxConcurrent)
      pipeline = run
      var latest: Int64 = 0
      for r in run.run(refresh.targets, http: refresh.http).outcomes {
        latest = max(latest, r.startMs)
        if let e = r.error { problems.append("\(Sanitize.visible(r.target)): \(e)") }
      }
      history.append(flows: Array(engine.flows.keys[history.flows.count...]))
      history.append(engine.takeRound(endMs: latest))
    }
    return (history.report(windowMs: nil, options: options), engine.health, discovery)
  }
}

/// Lines on stderr while API queries run: one per server after 5 s, then every 10 s.
final class QueryNotices: Sendable {
  private let urls: [String]
  private let limit: String
  private let next: Mutex<[Double]>

  init(_ urls: [String], timeoutMs: Int64) {
    self.urls = urls
    limit = DurationText.format(ms: timeoutMs)
    next = Mutex(Array(repeating: 5, count: urls.count))
  }

  func reset() { next.withLock { $0 = Array(repeating: 5, count: urls.count) } }

  /// Prints `what` for server `i` when its next notice is due; never abandons the query.
  func tick(_ i: Int, _ seconds: Double, _ what: String) -> Bool {
    let due = next.withLock { n -> Bool in
      guard i < n.count, seconds >= n[i] else { return false }
      n[i] += 10
      return true
    }
    if due {
      printError(
        "zonetop: \(Sanitize.visible(urls[i])): \(what) for \(NumberText.fixed(seconds, 0)) s "
          + "(--query-timeout \(limit))")
    }
    return false
  }
}

/// The URLs of `--prometheus` values (repeated and/or comma-separated), or a usage error.
func prometheusURLs(_ values: [String]) throws -> [String] {
  do { return try PrometheusServers.urls(values) } catch { throw ValidationError(error.description) }
}
