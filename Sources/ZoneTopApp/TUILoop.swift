import Dispatch
import Synchronization
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// What the loop is started with.
public struct TUIOptions: Sendable {
  public var report: ReportOptions
  public var windowMs: Int64
  public var isDemo = false
  public var mouse = false
  /// Where `e` writes its CSV files.
  public var exportDirectory = "."
  /// Rounds of history kept (sparklines, the longest window).
  public var maxRounds = 360
  /// The units shown first (one exposition file has totals and no rates: bytes).
  public var units: Units = .rate
  /// The `--record` file every scrape is appended to, if any (the header shows REC).
  public var recordingTo: String?
  /// Histories of more flows than this have their report computed on a worker thread (about
  /// 13 µs a flow: 0.6 s for 50,000), so keys never wait for it; smaller ones at once.
  public var reportOffThreadAboveFlows = 5000
  /// What `--version` prints (the help overlay shows it).
  public var version: String?
  /// Keys moved by the config file.
  public var keys = KeyBindings()
  /// The zone zonetop runs in (`--zone`): Health prices its own scrapes across zones.
  public var ownZone: String?
  /// The node zonetop runs on (`NODE_NAME` with `--kube`), whose zone stands in for `ownZone`.
  public var ownNode: String?

  public init(report: ReportOptions, windowMs: Int64) {
    self.report = report
    self.windowMs = windowMs
  }
}

/// The interactive loop: collect (a `MetricsSource`) -> state (`TrafficHistory` and
/// `AppState.update`) -> render (`Renderer` into a cell buffer) -> a `Screen`.
///
/// It owns the
/// history and the state; tests drive it with an `InMemoryScreen` and a fake source.
public final class TUILoop {
  public let source: any MetricsSource
  public let screen: any Screen
  public let options: TUIOptions
  public private(set) var state: AppState
  /// What the source has handed over: the history the views aggregate.
  public private(set) var data: CollectedData
  /// Where the last frame drew its matrix (for mouse clicks).
  private var matrixLayout: MatrixLayout?
  private var dirty = true
  /// The history on screen while a live source is paused (collection goes on into `data`).
  private var frozen: TrafficHistory?
  /// The window and pricing in force (`:window`, `:pricing` change them).
  private var windowMs: Int64
  private var pricing: PricingProfile
  private let monotonic: () -> Double
  private let wallMs: () -> Int64
  private var last: Double
  private let reports = LatestWorker<ReportRequest, TrafficReport>(label: "zonetop-report") {
    $0.history.report(windowMs: $0.windowMs, options: $0.options)
  }

  /// `monotonic` (seconds) advances replays; `wallMs` names export files.
  ///
  /// Tests pass their own.
  public init(
    source: any MetricsSource, screen: any Screen, options: TUIOptions,
    monotonic: @escaping () -> Double = WallClock.monotonic, wallMs: @escaping () -> Int64 = WallClock.nowMs
  ) {
    self.source = source
    self.screen = screen
    self.options = options
    self.monotonic = monotonic
    self.wallMs = wallMs
    data = CollectedData(maxRounds: options.maxRounds)
    windowMs = options.windowMs
    pricing = options.report.pricing
    state = AppState(sourceLabel: source.label, isDemo: options.isDemo, isReplay: source.playback != nil)
    state.policy = options.report.policy
    state.filter = options.report.filter.text ?? ""
    state.namespaceFilter = options.report.filter.namespace
    state.clusterFilter = options.report.filter.cluster
    state.zoneFilter = options.report.filter.zone
    state.mouseEnabled = options.mouse
    state.intervalMs = source.intervalMs
    state.windowMs = options.windowMs
    state.units = options.units
    state.recordingTo = options.recordingTo
    state.version = options.version
    state.keys = options.keys
    state.ownZone = options.ownZone
    state.ownNode = options.ownNode
    if let p = source.playback {
      p.keptRounds = options.maxRounds
      state.speed = p.speed
      state.replayStartMs = p.startMs
      state.replayEndMs = p.endMs
    }
    last = monotonic()
    fitSeeks()
    takeUpdates()
    refresh()
  }

  /// A seek the replay cannot serve from the rounds the app holds counts just what the
  /// window and the drill-down's history need before the point (a jump costs the window,
  /// not the position).
  private func fitSeeks() {
    guard let p = source.playback else { return }
    let windowRounds = Int(min(windowMs / max(1, source.intervalMs), Int64(options.maxRounds)))
    p.seekHistoryRounds = max(windowRounds + 1, Self.sparklineRounds + 1)
  }

  /// Runs until `q` or until `shouldStop` turns true (checked at least every `pollMs`).
  public func run(pollMs: Int = 200, shouldStop: () -> Bool = { false }) {
    while !shouldStop() {
      if !turn(timeoutMs: pollMs) { return }
    }
  }

  /// One turn: draw if something changed, wait for one event (up to `timeoutMs`), apply it,
  /// then take what the source has.
  ///
  /// Returns false when the user quit.
  @discardableResult
  public func turn(timeoutMs: Int = 200) -> Bool {
    if let report = reports.take() { show(report) }
    takeTrend()
    if dirty {
      let (buffer, layout) = Renderer.render(state, width: screen.width, height: screen.height, ascii: !screen.unicode)
      matrixLayout = layout
      screen.draw(buffer)
      dirty = false
    }
    // While a report is being computed or a replay catches up, look again soon.
    let soon = reports.isBusy || trends.isBusy || source.playback?.isBehind == true
    switch screen.read(timeoutMs: soon ? min(timeoutMs, 20) : timeoutMs) {
    case .resize:
      dirty = true
    case .key(let key):
      if !handle(key) { return false }
    case .timeout:
      break
    }
    let update = takeUpdates()
    if update.rounds && !(state.paused && source.playback == nil) { refresh() }
    if update.any { dirty = true }
    return true
  }

  /// Applies a key; false on quit.
  private func handle(_ key: Key) -> Bool {
    var key = key
    if case .mouse(let x, let y) = key {
      guard let cell = matrixLayout?.cell(atX: x, y: y) else { return true }
      key = .select(row: cell.row, column: cell.column)
    }
    state.status = nil
    state.statusIsError = false
    let effects = state.update(key)
    dirty = true
    if effects.contains(.quit) { return false }
    for effect in effects { apply(effect) }
    if state.isDrilling { fillSparklines() }
    if state.view == .trend { fillTrend() }
    state.followedItem = state.selectedItem
    return true
  }

  /// Moves what the source has into the history; returns whether anything arrived, and
  /// whether rounds did (the window's report is then out of date; a clock that moved is not).
  @discardableResult
  private func takeUpdates() -> (any: Bool, rounds: Bool) {
    let now = monotonic()
    let updates = source.takeUpdates(realSeconds: now - last)
    last = now
    var rounds = false
    for u in updates {
      if data.apply(u) { rounds = true }
      if let problem = u.problems.last { state.alert = problem }
    }
    state.health = data.health
    state.restarts = data.restarts
    state.forgottenFlows = data.forgottenFlows
    state.discovery = data.discovery
    if state.names != data.names { state.names = data.names }
    state.targetsTotal = data.targetCount
    state.targetsUp = data.health.filter(\.up).count
    // Paused live, the display keeps its moment: the clock too.
    if frozen == nil { state.nowMs = data.nowMs }
    state.wallNowMs = wallMs()
    return (!updates.isEmpty, rounds)
  }

  /// Puts the history's numbers for the window into the state.
  private func refresh() {
    var report = options.report
    report.policy = state.policy
    report.filter.text = state.filter.isEmpty ? nil : state.filter
    report.filter.namespace = state.namespaceFilter
    report.filter.zone = state.zoneFilter
    report.filter.cluster = state.clusterFilter
    report.pricing = pricing
    // Paused live, a new filter or policy is applied to the moment on screen, not to newer data.
    let history = frozen ?? data.history
    guard !history.rounds.isEmpty else { return show(nil) }
    if history.flows.count > options.reportOffThreadAboveFlows {
      reports.compute(ReportRequest(history: history, windowMs: windowMs, options: report))
    } else {
      show(history.report(windowMs: windowMs, options: report))
    }
  }

  /// Puts a report on screen, with what depends on it.
  private func show(_ report: TrafficReport?) {
    state.report = report
    dirty = true
    // The selection stays on its item (a hop, a service, a target), not on its row number.
    state.follow(state.followedItem)
    let atEnd = source.playback?.isAtEnd ?? false
    if atEnd && !state.atEnd && state.status == nil {
      state.status = "end of the recording: [ steps back, Home goes to the start, q quits"
    }
    state.atEnd = atEnd
    if state.isDrilling { fillSparklines() }
    if state.view == .trend { fillTrend() }
  }

  /// Trend points already computed, by round end, for the options they were computed with.
  private var trendKnown: [Int64: TrendPoint] = [:]
  private var trendKey = ""
  private let trends = LatestWorker<TrendRequest, TrendResult>(label: "zonetop-trend") { $0.points() }

  /// Asks for the Trend view's points (one a round of the kept history, computed once per
  /// round on the worker); the points known so far stay on screen meanwhile.
  private func fillTrend() {
    var options = options.report
    options.policy = state.policy
    options.filter = FlowFilter(
      namespace: state.namespaceFilter, cluster: state.clusterFilter, zone: state.zoneFilter,
      text: state.filter.isEmpty ? nil : state.filter)
    options.pricing = pricing
    let key = "\(options.policy) \(options.filter) \(pricing)"
    if key != trendKey {
      trendKnown = [:]
      trendKey = key
    }
    trends.compute(TrendRequest(history: frozen ?? data.history, options: options, key: key, known: trendKnown))
  }

  /// Puts finished Trend points on screen, when they are for the options in force.
  private func takeTrend() {
    guard let result = trends.take(), result.key == trendKey else { return }
    trendKnown = result.known
    state.trend = result.points
    dirty = true
  }

  /// Whether a report (or the Trend view's points) is being computed off the UI thread.
  public var isComputingReport: Bool { reports.isBusy || trends.isBusy }

  private func fillSparklines() {
    guard let report = state.report else { return }
    // A baseline round counts nothing (it spans no time): left out, it is not drawn as a dip.
    let rounds = data.history.rounds.suffix(Self.sparklineRounds + 1).filter { $0.endMs > $0.startMs }.suffix(
      Self.sparklineRounds)
    var lines: [ViewRows.DrillRow.ID: [Double]] = [:]
    for row in ViewRows.drillRows(report, state) {
      lines[row.id] = Self.sparkline(rounds, flows: row.flows, request: row.request)
    }
    state.sparklines = lines
  }

  /// Rounds a drill-down's sparklines draw.
  static let sparklineRounds = 60

  /// Bytes per second of one drill-down row in each round: only its flows, in its direction
  /// (request bytes, response bytes, or both), so two rows of one hop draw their own lines.
  static func sparkline(_ rounds: some Sequence<TrafficRound>, flows: Set<Int32>, request: Bool?) -> [Double] {
    rounds.map { round in
      let seconds = Double(max(1, round.endMs - round.startMs)) / 1000
      var bytes = UInt64(0)
      round.forEachDelta { id, c in
        guard flows.contains(id) else { return }
        switch request {
        case true?: bytes.addSaturating(c.received)
        case false?: bytes.addSaturating(c.sent)
        case nil: bytes.addSaturating(c.bytes)
        }
      }
      return Double(bytes) / seconds
    }
  }

  private func apply(_ effect: Effect) {
    switch effect {
    case .quit: break
    case .policyChanged, .filterChanged: refresh()
    case .pauseChanged:
      source.playback?.isPaused = state.paused
      frozen = state.paused && source.playback == nil ? data.history : nil
      if !state.paused { refresh() }
    case .speed(let s): source.playback?.speed = s
    case .step(let n):
      guard let playback = source.playback else { return }
      playback.step(n)
      takeUpdates()
      refresh()
      state.status = "at \(RFC3339.format(ms: state.report?.windowEndMs ?? state.nowMs)) (the newest counted scrape)"
    case .window(let ms):
      let kept = Int64(options.maxRounds) * max(1, state.intervalMs)
      guard ms >= state.intervalMs else {
        state.status =
          "window \(DurationText.format(ms: ms)) is shorter than the interval (\(DurationText.format(ms: state.intervalMs)))"
        state.statusIsError = true
        return
      }
      windowMs = ms
      state.windowMs = ms
      fitSeeks()
      refresh()
      state.status =
        "window \(DurationText.format(ms: ms))"
        + (ms > kept ? " (the history keeps \(DurationText.format(ms: kept)): the window shows at most that)" : "")
    case .pricing(let name):
      do {
        pricing = try PricingLoader.load(name)
        refresh()
        state.status = "pricing \(pricing.name) per \(pricing.unitName)"
      } catch {
        state.status = error.description
        state.statusIsError = true
      }
    case .seek(let ms):
      guard let playback = source.playback else { return }
      let status = state.status
      playback.seek(toMs: ms)
      takeUpdates()
      refresh()
      state.status = (status.map { $0 + ": " } ?? "") + "at \(Renderer.clock(state.report?.windowEndMs ?? ms))"
    case .export, .exportTo:
      guard let csv = ReportExport.viewCSV(state) else {
        state.status = "nothing to export yet"
        return
      }
      let now = wallMs()
      let stamp = RFC3339.format(ms: now - now % 1000).filter { $0 != "-" && $0 != ":" }
      var path = "\(options.exportDirectory)/zonetop-\(csv.name)-\(stamp).csv"
      if case .exportTo(let to) = effect { path = to }
      do {
        try Files.writeAtomically(Array(csv.text.utf8), to: path)
        state.status = "exported \(csv.rows) rows to \(path)"
      } catch {
        state.status = "export failed: \(error)"
        state.statusIsError = true
      }
    }
  }
}

/// Runs one kind of work on a thread of its own, newest request first.
///
/// While one request is worked on, a newer one replaces any waiting one, and the finished result waits for the UI
/// thread to `take` it. The window's report and the Trend view's points are computed so.
final class LatestWorker<Request: Sendable, Result: Sendable>: @unchecked Sendable {
  // Unchecked: every field is behind `state`; requests and results are values.
  private struct State {
    var busy = false
    var waiting: Request?
    var done: Result?
  }
  private let state = Mutex(State())
  private let queue: DispatchQueue
  private let work: @Sendable (Request) -> Result

  init(label: String, work: @escaping @Sendable (Request) -> Result) {
    queue = DispatchQueue(label: label)
    self.work = work
  }

  var isBusy: Bool { state.withLock { $0.busy || $0.done != nil } }

  func compute(_ request: Request) {
    let start = state.withLock { s -> Bool in
      s.waiting = request
      guard !s.busy else { return false }
      s.busy = true
      return true
    }
    if start { queue.async { self.run() } }
  }

  /// The newest finished result, once.
  func take() -> Result? {
    state.withLock { s in
      defer { s.done = nil }
      return s.done
    }
  }

  private func run() {
    while let r = state.withLock({ s -> Request? in
      defer { s.waiting = nil }
      if s.waiting == nil { s.busy = false }
      return s.waiting
    }) {
      let result = work(r)
      state.withLock { $0.done = result }
    }
  }
}

/// What the window's report is computed from.
struct ReportRequest: Sendable {
  var history: TrafficHistory
  var windowMs: Int64
  var options: ReportOptions
}

/// What the Trend view's points are computed from: the points already known are kept.
struct TrendRequest: Sendable {
  var history: TrafficHistory
  var options: ReportOptions
  var key: String
  var known: [Int64: TrendPoint]

  /// One point a round: each round's own zone pairs (the counting rules, filters and pricing
  /// in force), for the rounds not known yet.
  func points() -> TrendResult {
    var options = options
    options.zonesOnly = true
    var known = known
    var points: [TrendPoint] = []
    for round in history.rounds where round.endMs > round.startMs {
      if let point = known[round.endMs] {
        points.append(point)
        continue
      }
      let r = history.report(fromMs: round.startMs, toMs: round.endMs, options: options)
      guard r.windowSeconds > 0 else { continue }
      let point = TrendPoint(
        endMs: round.endMs, costPerMonth: r.perMonth(r.totalCostUSD),
        crossZoneRate: r.perSecond(r.bytesByScope[.crossZone] ?? 0),
        crossRegionRate: r.perSecond(r.bytesByScope[.crossRegion] ?? 0))
      known[round.endMs] = point
      points.append(point)
    }
    // Rounds that left the history leave the known points too.
    if known.count > points.count * 2 { known = Dictionary(uniqueKeysWithValues: points.map { ($0.endMs, $0) }) }
    return TrendResult(key: key, points: points, known: known)
  }
}

struct TrendResult: Sendable {
  var key: String
  var points: [TrendPoint]
  var known: [Int64: TrendPoint]
}
