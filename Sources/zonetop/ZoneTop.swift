import ArgumentParser
import Glibc
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// The `zonetop` command; `zonetop URL...` (and plain `zonetop`) run the `live` subcommand.
struct ZoneTop: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "zonetop",
    abstract: "Live cross-zone and cross-region traffic and cost for Istio ambient meshes.",
    discussion: """
      With no source, zonetop replays its bundled demo recording (marked DEMO). Give ztunnel metrics URLs \
      (http://NODE:15020/metrics) to poll them live. Costs are estimates.
      """,
    version: version,
    subcommands: subcommands,
    defaultSubcommand: LiveCommand.self
  )

  /// What `zonetop --version` prints (bump it with each release).
  static let version = "zonetop 0.14.0 (Istio ambient ztunnel metrics; Linux)"

  static let subcommands: [any ParsableCommand.Type] = [
    LiveCommand.self, ReplayCommand.self, RecordCommand.self, SnapshotCommand.self, DiffCommand.self, Validate.self,
    ExtractCommand.self, RulesCommand.self,
  ]
}

/// `zonetop [live] URL...`: the TUI over live ztunnels, or the demo when no URL is given.
struct LiveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "live",
    abstract: "The TUI over ztunnel metrics URLs (the default command); with no URL, the demo."
  )

  @Argument(help: "ztunnel metrics URLs to poll.")
  var urls: [String] = []

  @Option(help: "Also append every scrape to this recording.")
  var record: String?

  @Option(
    help: ArgumentHelp(
      "Query a Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics) instead of scraping ztunnels.",
      discussion: "Repeat it or separate URLs with commas for one server a cluster; their flows are summed.",
      valueName: "url"))
  var prometheus: [String] = []

  @Option(help: "With --prometheus: the step of range queries; at least twice the server's scrape interval.")
  var step = DurationOption(ms: 30_000)

  @OptionGroup var query: QueryFlags
  @OptionGroup var http: HTTPFlags
  @OptionGroup var kube: KubeFlags
  @OptionGroup var display: DisplayOptions
  @OptionGroup var shared: SharedOptions
  @OptionGroup var configFlags: ConfigFlags

  func run() throws {
    // The settings file under the flags.
    var shared = self.shared
    var display = self.display
    var resolvedHTTP: HTTPFlags? = self.http
    var resolvedKube: KubeFlags? = self.kube
    var resolvedURLs: [String]? = self.urls
    var resolved = try configFlags.apply(
      shared: &shared, display: &display, http: &resolvedHTTP, kube: &resolvedKube, urls: &resolvedURLs,
      units: .rate)
    if configFlags.printConfig {
      print(ConfigFlags.text(resolved.settings), terminator: "")
      return
    }
    let http = resolvedHTTP ?? self.http
    let kube = resolvedKube ?? self.kube
    // In a pod, the downward API's NODE_NAME names zonetop's node, whose zone discovery lists.
    if kube.kube { resolved.node = getenv("NODE_NAME").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
    let urls = prometheus.isEmpty && !kube.kube ? resolvedURLs ?? self.urls : self.urls
    let options = try shared.reportOptions()
    let targets = try http.targets(urls)
    if [!targets.isEmpty, !prometheus.isEmpty, kube.kube].filter({ $0 }).count > 1 {
      throw ValidationError("give one source: ztunnel URLs, --kube or --prometheus")
    }
    if !prometheus.isEmpty {
      let servers = PrometheusServers(
        urls: try prometheusURLs(prometheus), http: query.apiOptions(try http.httpOptions()))
      let source = PrometheusSource(
        servers: servers, intervalMs: max(http.interval.ms, 5000), windowMs: display.window.ms,
        stepMs: step.ms, namespace: shared.namespace, series: query.forcedKind)
      try display.run(source, options: options, isDemo: false, config: resolved)
      return
    }
    if !targets.isEmpty || kube.kube {
      try checkWindow(display.window.ms, interval: http.interval.ms, of: "the")
      var writer: RecordingWriter?
      if let record {
        try checkRecordingPath(record, option: "--record")
        do { writer = try RecordingWriter(path: record) } catch {
          printError("zonetop: \(error)")
          throw ExitCode(1)
        }
      }
      let source = try http.liveSource(targets: targets, kube: kube, recordTo: writer)
      try display.run(source, options: options, isDemo: false, config: resolved, recordingTo: record)
      return
    }
    let demo = try DemoData.path()
    let source = try OfflineSource(path: demo)
    // Start with the window already full, like a dashboard that has been running.
    let replay = ReplaySource(source: source)
    replay.ingestBudgetSeconds = ReplaySource.interactiveBudget
    replay.advance(toMs: replay.startMs + min(display.window.ms, replay.endMs - replay.startMs) / 2)
    try display.run(replay, options: options, isDemo: true, config: resolved)
  }
}

/// Options of the interactive views.
struct DisplayOptions: ParsableArguments {
  @Option(help: "The window that rates, totals and costs cover.")
  var window = DurationOption(ms: 300_000)

  @Option(help: "Colour: auto (off when NO_COLOR is set), always or never.")
  var color: ColorMode = .auto

  @Flag(help: "No colour (same as --color never).")
  var noColor = false

  @Flag(help: "Enable the mouse: a click selects a matrix cell.")
  var mouse = false

  @Option(help: "The zone zonetop runs in: Health prices its own scrapes of ztunnels in other zones.")
  var zone: String?

  /// Runs the TUI over `source` until the user quits or a termination signal arrives.
  func run(
    _ source: any MetricsSource, options: ReportOptions, isDemo: Bool, config: ConfigFlags.Resolved,
    recordingTo: String? = nil
  ) throws {
    if let term = getenv("TERM").map({ String(cString: $0) }), term == "dumb" || term.isEmpty {
      printError(
        "zonetop: TERM=\(term) cannot draw the TUI; use a terminal that can (xterm-256color), or zonetop snapshot")
      throw ExitCode(1)
    }
    var tui = TUIOptions(report: options, windowMs: window.ms)
    tui.units = config.units
    tui.keys = config.keys
    tui.ownZone = config.zone
    tui.ownNode = config.node
    tui.isDemo = isDemo
    tui.mouse = mouse
    tui.recordingTo = recordingTo
    tui.version = ZoneTop.version
    TerminationSignals.install()
    let screen = try CursesScreen(color: noColor ? .never : color, mouse: mouse, theme: config.theme)
    defer { screen.restore() }
    source.start()
    defer { source.stop() }
    TUILoop(source: source, screen: screen, options: tui).run { TerminationSignals.wasReceived }
  }
}

extension ColorMode: ExpressibleByArgument {}

/// `zonetop replay PATH`: the TUI over recorded scrapes.
struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Replay a recording, a scrape directory or an exposition file in the TUI.",
    discussion:
      "Keys: p or space pauses, + and - change the speed, [ and ] step one interval, { } one minute, ( ) five, Home/End go to the start/end, :goto 12:05 to a time."
  )

  @Argument(help: "A recording (.ztrec[.gz]), a scrape directory, or an exposition file.")
  var path: String

  @Option(help: "Replay speed (1 = recorded pace).")
  var speed = 1.0

  @Option(help: ArgumentHelp("Start at this time: RFC 3339, start, start+D or end-D.", valueName: "time"))
  var from: TimeSpec?

  @Option(help: ArgumentHelp("End at this time (as --from; --to=-D for D before the end).", valueName: "time"))
  var to: TimeSpec?

  @OptionGroup var display: DisplayOptions
  @OptionGroup var shared: SharedOptions
  @OptionGroup var configFlags: ConfigFlags

  func run() throws {
    var shared = self.shared
    var display = self.display
    var noHTTP: HTTPFlags?
    var noKube: KubeFlags?
    var noURLs: [String]?
    var resolved = try configFlags.apply(
      shared: &shared, display: &display, http: &noHTTP, kube: &noKube, urls: &noURLs, units: .rate)
    if configFlags.printConfig {
      print(ConfigFlags.text(resolved.settings), terminator: "")
      return
    }
    let options = try shared.reportOptions()
    let source: OfflineSource
    do { source = try OfflineSource(path: path) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    printProblems(source.problems)
    if let span = try SnapshotCommand.span(from: from, to: to, of: source, path: path) {
      source.keep(fromMs: span.from, toMs: span.to)
    }
    guard !source.entries.isEmpty else {
      printError("zonetop: \(path): no scrapes to replay\(from != nil || to != nil ? " between --from and --to" : "")")
      throw ExitCode(1)
    }
    let replay = ReplaySource(source: source)
    replay.ingestBudgetSeconds = ReplaySource.interactiveBudget
    guard SpeedText.range.contains(speed) else {
      throw ValidationError("--speed \(speed): expected a speed from 0.25 to 64 (what + and - reach)")
    }
    if source.kind != .file { try checkWindow(display.window.ms, interval: replay.intervalMs, of: "the recording's") }
    replay.speed = speed
    replay.advance(toMs: replay.startMs)
    // One exposition file has totals and no rates: bytes, whatever the settings say.
    if source.kind == .file { resolved.units = .bytes }
    try display.run(replay, options: options, isDemo: false, config: resolved)
  }
}

/// Finds the bundled demo recording: `ZONETOP_DEMO`, then `Fixtures/demo` in a folder
/// above the real executable (a build in the repository), then an installed copy.
enum DemoData {
  static func path() throws -> String {
    var candidates: [String] = []
    if let env = getenv("ZONETOP_DEMO") { candidates.append(String(cString: env)) }
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    if n > 0 {
      var dir = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      for _ in 0..<6 {
        guard let slash = dir.lastIndex(of: "/") else { break }
        dir = String(dir[..<slash])
        candidates.append(dir + "/Fixtures/demo/demo.ztrec.gz")
      }
    }
    candidates += [
      "Fixtures/demo/demo.ztrec.gz", "/usr/local/share/zonetop/demo.ztrec.gz", "/usr/share/zonetop/demo.ztrec.gz",
    ]
    if let found = candidates.first(where: { Files.exists($0) }) { return found }
    printError("zonetop: the demo recording was not found (set ZONETOP_DEMO to Fixtures/demo/demo.ztrec.gz)")
    throw ExitCode(1)
  }
}
