import ZoneTopCore
import ZoneTopTerminal

#if canImport(Glibc)
import Glibc
#endif

/// The interactive loop: collect (the feed) -> state (`AppState.update`) -> render (a cell
/// buffer) -> the curses screen. Idle between keys and data: it waits in `wget_wch`.
struct TUI {
  var feed: MetricsFeed
  var options: ReportOptions
  var windowMs: Int64
  var isDemo: Bool
  var color: ColorMode
  var mouse: Bool
  var exportDirectory = "."

  func run() throws {
    TerminationSignals.install()
    let screen = try CursesScreen(color: color, mouse: mouse)
    defer { screen.restore() }
    var state = AppState(sourceLabel: feed.label, isDemo: isDemo, isReplay: feed.isReplay)
    state.policy = options.policy
    state.filter = options.filter.text ?? ""
    state.mouseEnabled = mouse
    state.intervalMs = feed.intervalMs
    state.windowMs = windowMs
    refresh(&state)
    var dirty = true
    var last = WallClock.monotonic()
    while TerminationSignals.received == 0 {
      if dirty {
        let (buffer, layout) = Renderer.render(state, width: screen.width, height: screen.height, ascii: !screen.unicode)
        state.matrixLayout = layout
        screen.draw(buffer)
        dirty = false
      }
      let event = screen.read(timeoutMs: 200)
      switch event {
      case .resize:
        dirty = true
      case .key(let key):
        state.status = nil
        state.statusIsError = false
        let effects = state.update(key)
        dirty = true
        if effects.contains(.quit) { return }
        for effect in effects { apply(effect, &state) }
        if state.drill != nil || state.drillRegion != nil { fillSparklines(&state) }
      case .timeout:
        break
      }
      let now = WallClock.monotonic()
      if feed.tick(realSeconds: now - last) && !(state.paused && !feed.isReplay) {
        refresh(&state)
        dirty = true
      }
      last = now
    }
  }

  /// Puts the feed's latest numbers into the state.
  func refresh(_ state: inout AppState) {
    var opts = options
    opts.policy = state.policy
    opts.filter.text = state.filter.isEmpty ? nil : state.filter
    state.report = feed.history.rounds.isEmpty ? nil : feed.history.report(windowMs: windowMs, options: opts)
    state.health = feed.targetHealth
    state.discovery = feed.discovery
    state.targetsTotal = max(feed.targetCount, state.health.count)
    state.targetsUp = state.health.filter(\.up).count
    state.nowMs = feed.nowMs
    if let replay = feed as? ReplayDriver, replay.atEnd, !state.paused, state.status == nil {
      state.status = "end of the recording: [ steps back, q quits"
    }
    if state.drill != nil || state.drillRegion != nil { fillSparklines(&state) }
  }

  func fillSparklines(_ state: inout AppState) {
    guard let report = state.report else { return }
    var lines: [WorkloadHop: [Double]] = [:]
    for row in Layout.drillRows(report, state) {
      lines[row.hop] = feed.history.sparkline(flows: row.flows, count: 60)
    }
    state.sparklines = lines
  }

  func apply(_ effect: Effect, _ state: inout AppState) {
    switch effect {
    case .quit: break
    case .policyChanged, .filterChanged: refresh(&state)
    case .pauseChanged:
      if feed.isReplay { feed.setPaused(state.paused) }
      if !state.paused { refresh(&state) }
    case .speed(let s): feed.setSpeed(s)
    case .step(let n):
      feed.step(n)
      refresh(&state)
      state.status = "at \(RFC3339.format(ms: feed.nowMs))"
    case .export:
      guard let csv = ReportExport.viewCSV(state) else {
        state.status = "nothing to export yet"
        return
      }
      let stamp = RFC3339.format(ms: WallClock.nowMs() - WallClock.nowMs() % 1000).filter { $0 != "-" && $0 != ":" }
      let path = "\(exportDirectory)/zonetop-\(csv.name)-\(stamp).csv"
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
