import ZoneTopTraffic

/// The views of the TUI, in tab order (keys 1-7; Namespaces and Trend came last, so Health kept its 5).
public enum View: Int, CaseIterable, Sendable {
  case zones = 1
  case regions, flows, services, health, namespaces, trend

  public var title: String {
    switch self {
    case .zones: "Zones"
    case .regions: "Regions"
    case .flows: "Flows"
    case .services: "Services"
    case .health: "Health"
    case .namespaces: "Namespaces"
    case .trend: "Trend"
    }
  }
}

/// What matrix cells and tables show (key `u`).
public enum Units: CaseIterable, Sendable {
  case rate, bytes, cost
  /// Bytes per second now minus the baseline's (offered while a baseline is pinned).
  case change

  public var title: String {
    switch self {
    case .rate: "bytes/s"
    case .bytes: "bytes in window"
    case .cost: "USD/month"
    case .change: "change vs baseline, bytes/s"
    }
  }
}

/// A key or terminal event, already decoded by the terminal backend.
public enum Key: Equatable, Sendable {
  case char(Character)
  case up, down, left, right, enter, escape, tab, backTab, backspace, pageUp, pageDown, home, end
  case mouse(x: Int, y: Int)
  /// A matrix cell chosen with the mouse (the loop turns a click into this).
  case select(row: Int, column: Int)
  case interrupt
}

/// Work that `update` asks the driver to do (the update function itself is pure).
public enum Effect: Equatable, Sendable {
  case quit
  case export(View)
  case policyChanged
  case pauseChanged
  case speed(Double)
  case step(Int)
  case filterChanged
  /// `:window`: the window of rates and costs.
  case window(Int64)
  /// `:pricing`: a built-in profile's name or a pricing file.
  case pricing(String)
  /// `:export PATH`: what is on screen, to this file.
  case exportTo(String)
  /// A replay moves to this data time (`:goto`, Home/End, `{ }` and `( )`).
  case seek(Int64)
}

/// The whole UI state; changed only by `AppState.update` and by the driver's data updates.
public struct AppState: Sendable {
  // MARK: Source and header
  public var sourceLabel: String
  public var isDemo: Bool
  public var isReplay: Bool
  public var targetsUp = 0
  public var targetsTotal = 0
  public var intervalMs: Int64 = 5000
  public var windowMs: Int64 = 300_000
  public var nowMs: Int64 = 0
  /// Wall-clock time now (the header shows the date of data from another day); 0 when unknown.
  public var wallNowMs: Int64 = 0
  public var replayStartMs: Int64?
  public var replayEndMs: Int64?
  /// The file a live source records every scrape to (`--record`); the header shows REC.
  public var recordingTo: String?
  /// What `--version` prints; the help overlay's title shows it.
  public var version: String?

  // MARK: Data
  public var report: TrafficReport?
  public var health: [TargetHealth] = []
  /// Counter restarts per target: a scrape with resets is one, however many series reset.
  public var restarts: [String: Int] = [:]
  /// Flows forgotten: no live series referred to them and they had left the history.
  public var forgottenFlows = 0
  /// Every namespace, zone and cluster seen (for `:ns`, `:zone`, `:cluster`), not only the window's.
  public var names = KnownNames()
  /// Node topology and service routing from `--kube` discovery.
  public var discovery: DiscoveryStatus?
  /// Sparkline values (bytes/s per round) of the drill-down rows: each row's own bytes.
  public var sparklines: [ViewRows.DrillRow.ID: [Double]] = [:]
  /// The Trend view's graph: one point a round over the kept history (filled while it is on screen).
  public var trend: [TrendPoint] = []

  // MARK: Interaction
  public var view: View = .zones
  public var units: Units = .rate
  /// Each table's sort, once the user changed it (`<` `>` `I`); else the table's default.
  public var sorts: [Table: TableSort] = [:]
  /// The item the selection was on after the last key or refresh: a refresh puts it back there.
  public var followedItem: ItemKey?
  public var policy: ReporterPolicy = .auto
  public var filter = ""
  /// The `/` prompt while it is open.
  public var filterEditor: LineEditor?
  /// The filter being typed, while the `/` prompt is open.
  public var filterDraft: String? { filterEditor?.text }
  /// `:ns`, `:zone`, `:cluster` (and `--namespace`, `--cluster`): only traffic from or to these.
  public var namespaceFilter: String?
  public var zoneFilter: String?
  public var clusterFilter: String?
  /// The `:` prompt while it is open, the commands run before (Up/Down), and what Tab offered.
  public var command: LineEditor?
  public var commandHistory: [String] = []
  public var historyIndex: Int?
  public var completions: [String] = []
  public var paused = false
  public var speed = 1.0
  public var showHelp = false
  public var row = 0
  public var column = 0
  public var drill: ZonePair?
  public var drillRegion: RegionPair?
  /// A Flows row opened with Enter: the hop's zone pairs.
  public var drillHop: WorkloadHop?
  /// A Services row opened with Enter: its clients by source zone.
  public var drillService: String?
  public var drillRow = 0
  public var status: String?
  public var statusIsError = false
  public var mouseEnabled = false
  /// The end of a replay was reached.
  public var atEnd = false
  /// A problem that stays on screen until the user quits (the recording could not be written).
  public var alert: String?
  /// The window pinned with `b`, compared against until `B` clears it.
  public var baseline: Baseline?
  /// Keys moved by the config file (the footer and the help show them).
  public var keys = KeyBindings()
  /// The zone zonetop runs in (`--zone`): Health prices its own scrapes across zones.
  public var ownZone: String?
  /// The node zonetop runs on (`NODE_NAME` in a pod, with `--kube`): its zone when `--zone` is not given.
  public var ownNode: String?

  public init(sourceLabel: String, isDemo: Bool, isReplay: Bool) {
    self.sourceLabel = sourceLabel
    self.isDemo = isDemo
    self.isReplay = isReplay
  }

  // MARK: - Update

  /// Applies one key to the state; returns what the driver must do.
  public mutating func update(_ key: Key) -> [Effect] {
    if key == .interrupt { return [.quit] }
    if filterEditor != nil { return editFilter(key) }
    if command != nil { return editCommand(key) }
    guard let key = keys.translate(key) else {
      if case .char(let c) = key { status = "\(c) was moved by keys: in the config file (? shows the keys)" }
      showHelp = false
      return []
    }
    if showHelp {
      if key == .char("q") { return [.quit] }
      showHelp = false
      return []
    }
    switch key {
    case .char("q"): return [.quit]
    case .char("?"): showHelp = true
    case .tab: switchView(view.cycled(by: 1))
    case .backTab: switchView(view.cycled(by: -1))
    case .char(let c) where c.wholeNumberValue.flatMap(View.init(rawValue:)) != nil:
      if let v = c.wholeNumberValue.flatMap(View.init(rawValue:)) { switchView(v) }
    case .char("u"):
      units = units.cycled(by: 1)
      if units == .change && baseline == nil { units = units.cycled(by: 1) }
      status = "units: \(units.title)"
    case .char("c"):
      jumpToCostliest()
    case .char("b"):
      guard let report, report.windowSeconds > 0 else {
        status = "nothing to pin yet: a baseline needs a window with rates"
        break
      }
      let replaced = baseline != nil
      baseline = Baseline(report)
      status =
        "baseline \(replaced ? "replaced" : "pinned"): \(baseline?.summary ?? "") · \(keys.key("u")) shows the change, \(keys.key("B")) clears"
    case .char("B"):
      status = baseline == nil ? "no baseline pinned (\(keys.key("b")) pins the current window)" : "baseline cleared"
      baseline = nil
      if units == .change { units = .rate }
    case .char("<"): moveSort(by: -1)
    case .char(">"), .char("s"): moveSort(by: 1)
    case .char("I"): invertSort()
    case .char("/"): filterEditor = LineEditor(filter)
    case .char(":"): command = LineEditor(limit: 200)
    case .char("r"):
      policy = policy.next
      status = "reporter policy: \(policy.rawValue)"
      return [.policyChanged]
    case .char("p"), .char(" "):
      paused.toggle()
      if isReplay {
        status = paused ? "paused (\(keys.key("p")) resumes; \(keys.key("[")) \(keys.key("]")) step)" : "resumed"
      } else {
        status = paused ? "paused: the display is frozen, collection goes on" : "resumed"
      }
      return [.pauseChanged]
    case .char("+"), .char("="):
      guard isReplay else {
        status = "speed applies to replays"
        return []
      }
      speed = min(speed * 2, 64)
      status = "replay speed \(Self.speedText(speed))"
      return [.speed(speed)]
    case .char("-"):
      guard isReplay else {
        status = "speed applies to replays"
        return []
      }
      speed = max(speed / 2, 0.25)
      status = "replay speed \(Self.speedText(speed))"
      return [.speed(speed)]
    case .char("]"), .char("["):
      guard isReplay else {
        status = "\(keys.key("[")) and \(keys.key("]")) step through replays"
        return []
      }
      return [.step(key == .char("]") ? 1 : -1)]
    case .char("{"): return jump(byMs: -60_000)
    case .char("}"): return jump(byMs: 60_000)
    case .char("("): return jump(byMs: -300_000)
    case .char(")"): return jump(byMs: 300_000)
    case .char("e"): return [.export(view)]
    case .escape:
      if isDrilling {
        closeDrill()
      } else if hasFilter {
        filter = ""
        namespaceFilter = nil
        zoneFilter = nil
        clusterFilter = nil
        status = "filter cleared"
        return [.filterChanged]
      }
    case .enter: return enter()
    case .up, .char("k"): move(dy: -1)
    case .down, .char("j"): move(dy: 1)
    case .left, .char("h"): move(dx: -1)
    case .right, .char("l"): move(dx: 1)
    case .pageUp: move(dy: -10)
    case .pageDown: move(dy: 10)
    case .home, .end:
      // In a replay, the start and the end of the recording; g and G go to the first and last row.
      if isReplay, let start = replayStartMs, let end = replayEndMs {
        status = key == .home ? "at the start of the recording" : "at the end of the recording"
        return [.seek(key == .home ? start : end)]
      }
      if key == .home { firstRow() } else { move(dy: Int.max / 4) }
    case .char("g"): firstRow()
    case .char("G"): move(dy: Int.max / 4)
    case .select(let r, let c): select(row: r, column: c)
    default: break
    }
    return []
  }

  // MARK: - Sort

  /// The sort of `table`: what the user picked, else the table's default.
  public func sort(for table: Table) -> TableSort { sorts[table] ?? table.defaultSort }

  /// The table on screen, if the view is one (a drill-down is one).
  public var table: Table? {
    if isDrilling { return .drill }
    switch view {
    case .flows: return .flows
    case .services: return .services
    case .health: return .health
    case .namespaces: return .namespaces
    case .zones, .regions, .trend: return nil
    }
  }

  /// Moves the sort to the next column left or right (htop's `<` and `>`), keeping the selection on its item.
  private mutating func moveSort(by n: Int) {
    guard let table else {
      status =
        "\(keys.key("<")) and \(keys.key(">")) sort the tables (Flows, Services, Health and drill-downs); here \(keys.key("c")) finds the costliest cell"
      return
    }
    let columns = ViewRows.sortColumns(table, self)
    let current = sort(for: table)
    let i = columns.firstIndex(of: current.column) ?? 0
    let next = columns[((i + n) % columns.count + columns.count) % columns.count]
    resorting(table, TableSort(column: next, descending: next.startsDescending))
  }

  /// Reverses the sort (htop's `I`).
  private mutating func invertSort() {
    guard let table else {
      status = "\(keys.key("I")) inverts the sort of a table (Flows, Services, Health and drill-downs)"
      return
    }
    var s = sort(for: table)
    s.descending.toggle()
    resorting(table, s)
  }

  private mutating func resorting(_ table: Table, _ new: TableSort) {
    let item = selectedItem
    sorts[table] = new
    follow(item)
    status = "sorted by \(new.title) · \(keys.key("<")) \(keys.key(">")) column, \(keys.key("I")) inverts"
  }

  /// The item the selection is on in the table on screen.
  public var selectedItem: ItemKey? {
    guard let table else { return nil }
    switch table {
    case .health:
      let rows = ViewRows.healthRows(self).rows
      return row < rows.count ? .target(rows[row].target) : nil
    case .flows:
      guard let report else { return nil }
      let rows = ViewRows.flowRows(report, self)
      return row < rows.count ? .hop(rows[row].0) : nil
    case .services:
      guard let report else { return nil }
      let rows = ViewRows.serviceRows(report, self)
      return row < rows.count ? .service(rows[row].service) : nil
    case .namespaces:
      guard let report else { return nil }
      let rows = ViewRows.namespaceRows(report, self)
      return row < rows.count ? .namespace(rows[row].side, rows[row].namespace) : nil
    case .drill:
      guard let report else { return nil }
      let rows = ViewRows.drillRows(report, self)
      return drillRow < rows.count ? .drill(rows[drillRow].id) : nil
    }
  }

  /// Puts the selection back on `item` when it is still in the table (after a refresh or a new
  /// sort moved the rows); else it stays at its row number, within the table.
  public mutating func follow(_ item: ItemKey?) {
    defer { followedItem = selectedItem }
    switch item {
    case .target(let target)?:
      if let i = ViewRows.healthRows(self).rows.firstIndex(where: { $0.target == target }) { row = i }
    case .hop(let hop)?:
      if let report, let i = ViewRows.flowRows(report, self).firstIndex(where: { $0.0 == hop }) { row = i }
    case .service(let service)?:
      if let report, let i = ViewRows.serviceRows(report, self).firstIndex(where: { $0.service == service }) {
        row = i
      }
    case .drill(let id)?:
      if let report, let i = ViewRows.drillRows(report, self).firstIndex(where: { $0.id == id }) { drillRow = i }
    case .namespace(let side, let ns)?:
      if let report,
        let i = ViewRows.namespaceRows(report, self).firstIndex(where: { $0.side == side && $0.namespace == ns })
      {
        row = i
      }
    case nil:
      break
    }
  }

  private mutating func firstRow() {
    row = 0
    column = 0
    drillRow = 0
  }

  /// Moves a replay by `ms` from the time on screen, within the recording.
  private mutating func jump(byMs ms: Int64) -> [Effect] {
    guard isReplay, let start = replayStartMs, let end = replayEndMs else {
      status = "\(keys.key("{")) \(keys.key("}")) and \(keys.key("(")) \(keys.key(")")) move replays by 1 and 5 minutes"
      return []
    }
    let now = report?.windowEndMs ?? nowMs
    let to = min(max(now + ms, start), end)
    let minutes = abs(ms) / 60_000
    status = "\(ms < 0 ? "back" : "forward") \(minutes) minute\(minutes == 1 ? "" : "s")"
    return [.seek(to)]
  }

  static func speedText(_ s: Double) -> String { s >= 1 ? "\(Int(s))x" : "\(NumberText.fixed(s, 2))x" }

  /// Moves the selection to the costliest crossing cell of the Zones or Regions matrix.
  private mutating func jumpToCostliest() {
    guard view == .zones || view == .regions, !isDrilling, let report else {
      status = "\(keys.key("c")) jumps to the costliest cell of the Zones and Regions matrices"
      return
    }
    guard let top = CostStrip.entries(report, regions: view == .regions).first else {
      status = "nothing crosses at a cost in this window"
      return
    }
    row = top.row
    column = top.column
    status = "costliest: \(top.from) → \(top.to), \(NumberText.usd(top.costPerMonth))/month · Enter lists its hops"
  }

  private mutating func switchView(_ v: View) {
    view = v
    row = 0
    column = 0
    closeDrill()
  }

  /// Whether any filter is on: `/` text, or `:ns`, `:zone`, `:cluster`.
  public var hasFilter: Bool { !filter.isEmpty || namespaceFilter != nil || zoneFilter != nil || clusterFilter != nil }

  /// The filters in words (`ns shop · zone us-east-1a · 'front'`), for the tab line and messages.
  public var filterSummary: String {
    var parts: [String] = []
    if let namespaceFilter { parts.append("ns \(namespaceFilter)") }
    if let zoneFilter { parts.append("zone \(zoneFilter)") }
    if let clusterFilter { parts.append("cluster \(clusterFilter)") }
    if !filter.isEmpty { parts.append("'\(filter)'") }
    return parts.joined(separator: " · ")
  }

  /// Whether a drill-down is open.
  public var isDrilling: Bool { drillKind != nil }

  /// The open drill-down, if any.
  public var drillKind: ViewRows.DrillKind? {
    if let drill { return .zoneCell(drill) }
    if let drillRegion { return .regionCell(drillRegion) }
    if let drillHop { return .hop(drillHop) }
    if let drillService { return .service(drillService) }
    return nil
  }

  private mutating func closeDrill() {
    drill = nil
    drillRegion = nil
    drillHop = nil
    drillService = nil
    drillRow = 0
    sparklines = [:]
  }

  private mutating func editFilter(_ key: Key) -> [Effect] {
    switch key {
    case .enter:
      filter = filterEditor?.text ?? ""
      filterEditor = nil
      row = 0
      status = filter.isEmpty ? "filter cleared" : "filter: \(filter)"
      return [.filterChanged]
    case .escape:
      filterEditor = nil
    default:
      _ = filterEditor?.apply(key)
    }
    return []
  }

  private mutating func enter() -> [Effect] {
    guard !isDrilling, let report else { return [] }
    switch view {
    case .zones:
      let zones = report.zones
      guard row < zones.count, column < zones.count else { return [] }
      drill = ZonePair(from: zones[row], to: zones[column])
      drillRow = 0
    case .regions:
      let regions = report.regions
      guard row < regions.count, column < regions.count else { return [] }
      drillRegion = RegionPair(from: regions[row], to: regions[column])
      drillRow = 0
    case .flows:
      let rows = ViewRows.flowRows(report, self)
      guard row < rows.count else { return [] }
      drillHop = rows[row].0
      drillRow = 0
    case .services:
      let rows = ViewRows.serviceRows(report, self)
      guard row < rows.count else { return [] }
      drillService = rows[row].service
      drillRow = 0
    case .health, .trend:
      break
    case .namespaces:
      // A namespace's hops: Flows with `:ns` set to it (Esc clears).
      let rows = ViewRows.namespaceRows(report, self)
      guard row < rows.count else { return [] }
      namespaceFilter = rows[row].namespace
      switchView(.flows)
      status = "Flows of namespace \(rows[row].namespace) (\(rows[row].side.rawValue) or destination) · Esc shows all"
      return [.filterChanged]
    }
    return []
  }

  private mutating func move(dx: Int = 0, dy: Int = 0) {
    if isDrilling {
      let n = report.map { ViewRows.drillRows($0, self).count } ?? 0
      drillRow = min(max(0, drillRow + dy), max(0, n - 1))
      return
    }
    row = max(0, row + dy)
    column = max(0, column + dx)
    if let report {
      let n: Int
      switch view {
      case .zones: n = report.zones.count
      case .regions: n = report.regions.count
      case .flows: n = ViewRows.flowRows(report, self).count
      case .services: n = ViewRows.serviceRows(report, self).count
      case .health: n = ViewRows.healthRows(self).rows.count
      case .namespaces: n = ViewRows.namespaceRows(report, self).count
      case .trend: n = 0
      }
      row = min(row, max(0, n - 1))
      column = (view == .zones || view == .regions) ? min(column, max(0, n - 1)) : 0
    }
  }

  private mutating func select(row r: Int, column c: Int) {
    guard mouseEnabled, view == .zones || view == .regions, !isDrilling else { return }
    row = r
    column = c
  }

}

extension CaseIterable where Self: Equatable, AllCases.Index == Int {
  /// The case `n` places after this one, wrapping around.
  func cycled(by n: Int) -> Self {
    let all = Self.allCases
    let i = all.firstIndex(of: self) ?? 0
    return all[((i + n) % all.count + all.count) % all.count]
  }
}
