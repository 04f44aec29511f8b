import Glibc
import Synchronization
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The demo recording read once per test process, and its aggregations computed once each.
enum Demo {
  /// The demo recording (inflated once).
  static let recording: OfflineSource = try! OfflineSource(path: TestPaths.demoRecording)

  private static let reports = Mutex<[String: TrafficReport]>([:])

  /// `snapshot` of `path` (the demo recording or scrape directory) for a policy and window, computed once.
  static func report(_ path: String, _ policy: ReporterPolicy, window: Int64? = nil) throws -> TrafficReport {
    let key = "\(path) \(policy) \(window.map(String.init) ?? "all")"
    if let known = reports.withLock({ $0[key] }) { return known }
    let source = path == TestPaths.demoRecording ? recording : try OfflineSource(path: path)
    var problems: [String] = []
    let report = OfflineAggregation.report(
      source: source, windowMs: window, options: ReportOptions(policy: policy),
      problems: &problems, threads: 2)
    reports.withLock { $0[key] = report }
    return report
  }

  /// The TUI over the demo replayed to its start plus `atMs` (default: a full 5-minute window),
  /// on an in-memory screen, after `keys`.
  static func loop(
    width: Int = 120, height: Int = 40, atMs: Int64 = 300_000, windowMs: Int64 = 300_000,
    keys: [Key] = [], mouse: Bool = false, exportDirectory: String = ".", report: ReportOptions = ReportOptions()
  ) -> (TUILoop, InMemoryScreen) {
    let replay = ReplaySource(source: recording)
    replay.advance(toMs: replay.startMs + atMs)
    replay.isPaused = true
    let screen = InMemoryScreen(width: width, height: height, events: keys.map { .key($0) })
    var options = TUIOptions(report: report, windowMs: windowMs)
    options.isDemo = true
    options.mouse = mouse
    options.exportDirectory = exportDirectory
    let loop = TUILoop(source: replay, screen: screen, options: options, monotonic: { 0 })
    while !screen.events.isEmpty { loop.turn(timeoutMs: 0) }
    // What the workers compute (the Trend view's points) arrives on a later turn.
    var waits = 0
    while loop.isComputingReport && waits < 60_000 {
      usleep(1000)
      loop.turn(timeoutMs: 0)
      waits += 1
    }
    loop.turn(timeoutMs: 0)  // draws what the last key changed
    return (loop, screen)
  }
}
