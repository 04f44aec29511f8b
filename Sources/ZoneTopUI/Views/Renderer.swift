import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// Renders the state into a cell buffer: a pure function of state and size.
public enum Renderer {
  public static let minWidth = 64
  public static let minHeight = 16

  /// The screen for `state` at `width` x `height`, and the matrix layout (for mouse clicks).
  public static func render(_ state: AppState, width: Int, height: Int, ascii: Bool = false) -> (
    CellBuffer, MatrixLayout?
  ) {
    var b = CellBuffer(width: width, height: height, ascii: ascii)
    guard width >= minWidth && height >= minHeight else {
      tooSmall(&b)
      return (b, nil)
    }
    header(&b, state)
    tabs(&b, state)
    var bodyTop = 3
    if let banner = downBanner(state) {
      b.fill(x: 0, y: bodyTop, width: width, height: 1, Cell(" ", role: banner.role))
      b.text(" " + banner.text, x: 0, y: bodyTop, role: banner.role, bold: true)
      bodyTop += 1
    }
    let bodyHeight = height - bodyTop - 2
    var layout: MatrixLayout?
    if state.view != .health, let lines = noDataLines(state) {
      for (i, line) in lines.enumerated() { b.text(line, x: 2, y: bodyTop + 1 + i, role: i == 0 ? .warning : .dim) }
    } else if let report = state.report {
      if state.isDrilling {
        drillDown(&b, state, report, top: bodyTop, height: bodyHeight)
      } else {
        switch state.view {
        case .zones: layout = zoneMatrix(&b, state, report, top: bodyTop, height: bodyHeight)
        case .regions: layout = regionMatrix(&b, state, report, top: bodyTop, height: bodyHeight)
        case .flows: flows(&b, state, report, top: bodyTop, height: bodyHeight)
        case .services: services(&b, state, report, top: bodyTop, height: bodyHeight)
        case .health: health(&b, state, report, top: bodyTop, height: bodyHeight)
        case .namespaces: namespaces(&b, state, report, top: bodyTop, height: bodyHeight)
        case .trend: trend(&b, state, top: bodyTop, height: bodyHeight)
        }
      }
    } else {
      b.text(state.view == .health ? "" : "Waiting for the first scrapes...", x: 2, y: bodyTop + 1, role: .dim)
      if state.view == .health { health(&b, state, nil, top: bodyTop, height: bodyHeight) }
    }
    statusLine(&b, state)
    footer(&b, state)
    if state.showHelp { help(&b, version: state.version, keys: state.keys) }
    return (b, layout)
  }

  // MARK: - Frame

  /// A lasting problem (the recording stopped), else "3 of 10 targets down - 5 Health" while any is down.
  static func downBanner(_ s: AppState) -> (text: String, role: Role)? {
    if let alert = s.alert { return (alert, .error) }
    let down = s.targetsTotal - s.targetsUp
    guard s.targetsTotal > 0, down > 0, !s.health.isEmpty else { return nil }
    let text = "\(down) of \(s.targetsTotal) target\(s.targetsTotal == 1 ? "" : "s") down - 5 Health"
    return (text, s.targetsUp == 0 ? .error : .warning)
  }

  /// What the body says instead of numbers when there are none to show (never an empty matrix and $0).
  static func noDataLines(_ s: AppState) -> [String]? {
    if s.targetsTotal > 0 && s.targetsUp == 0 && !s.health.isEmpty {
      let errors = Set(s.health.compactMap(\.lastError))
      let why = errors.count == 1 ? errors.first.map { ": \(Sanitize.short($0, limit: 80))" } ?? "" : ""
      return [
        "No data: none of the \(s.targetsTotal) targets answered with metrics\(why).",
        "The matrix shows nothing until one does; 5 Health lists each target and its error.",
      ]
    }
    if let r = s.report, s.hasFilter, r.zonePairs.isEmpty {
      return ["No traffic matches \(Sanitize.short(s.filterSummary, limit: 60)) - Esc clears the filter."]
    }
    if let r = s.report, r.windowEndMs == r.windowStartMs, r.zonePairs.isEmpty {
      return ["Collecting the baseline: rates after the next scrape."]
    }
    return nil
  }

  /// The targets counter's role: all up, some down, all down.
  static func targetsRole(_ s: AppState) -> Role {
    s.targetsUp == s.targetsTotal ? .ok : (s.targetsUp == 0 ? .error : .warning)
  }

  static func tooSmall(_ b: inout CellBuffer) {
    let lines = [
      "terminal too small:", "need \(minWidth) x \(minHeight),", "have \(b.width) x \(b.height)", "(q quits)",
    ]
    for (i, l) in lines.enumerated() {
      b.text(l, x: max(0, (b.width - l.count) / 2), y: max(0, b.height / 2 - 2) + i, role: i == 0 ? .warning : .normal)
    }
  }

  static func header(_ b: inout CellBuffer, _ s: AppState) {
    b.fill(x: 0, y: 0, width: b.width, height: 2, Cell(" ", role: .header))
    var x = b.text(" zonetop ", x: 0, y: 0, role: .title, bold: true)
    if s.isDemo { x += b.text(" DEMO ", x: x, y: 0, role: .demo, bold: true) + 1 }
    // Recording: a badge while every scrape is appended to the file (the banner says when it stopped).
    if s.recordingTo != nil && s.alert == nil { x += b.text(" ● REC ", x: x, y: 0, role: .error, bold: true) + 1 }
    let up = s.targetsTotal > 0 ? "targets \(s.targetsUp)/\(s.targetsTotal)" : ""
    // Parts in priority order; the lowest go first when the line is too narrow.
    let parts = [
      (s.sourceLabel, 5), (up, 4), ("reporter \(s.policy.rawValue)", 3),
      ("pricing \(s.report.map { "\($0.options.pricing.name) per \($0.options.pricing.unitName)" } ?? "-")", 2),
      ("interval \(DurationText.format(ms: s.intervalMs))", 1),
    ]
    b.text(
      " " + fitParts(parts.filter { !$0.0.isEmpty }, width: b.width - x - 9, separator: " · "), x: x, y: 0,
      role: .header)
    b.textRight("\(s.keys.key("?")) help ", right: b.width, y: 0, role: .header)
    if !up.isEmpty, let at = b.find(up, y: 0) { b.text(up, x: at, y: 0, role: targetsRole(s), bold: true) }
    var state = s.paused ? "❚❚ PAUSED" : (s.isReplay ? "▶ \(AppState.speedText(s.speed))" : "● LIVE")
    if s.atEnd { state = "■ END" }
    var right = state
    if let at = clockMs(s) { right += "  " + clock(at, todayMs: s.wallNowMs) }
    guard let r = s.report, noDataLines(s) == nil else {
      let text = s.report == nil && s.health.isEmpty ? " waiting for the first scrapes" : " no data"
      b.text(text, x: 0, y: 1, role: .header, bold: true)
      b.textRight(right + " ", right: b.width, y: 1, role: s.paused ? .paused : .header, bold: true)
      return
    }
    let scopes = r.bytesByScope
    let month = r.perMonth(r.totalCostUSD)
    let zoneRate = NumberText.bytes(r.perSecond(scopes[.crossZone] ?? 0), suffix: "B/s")
    let regionRate = NumberText.bytes(r.perSecond(scopes[.crossRegion] ?? 0), suffix: "B/s")
    let window = DurationText.format(ms: max(0, r.windowEndMs - r.windowStartMs))
    var room = b.width - right.count - 3
    var facts = [
      ("cross-zone \(zoneRate)", 50), ("cross-region \(regionRate)", 40), ("≈ \(NumberText.usd(month))/month", 60),
      ("(estimate)", 10), ("window \(window)", 20),
    ]
    if r.internetCostUSD > 0 {
      facts.insert(("incl. internet \(NumberText.usd(r.perMonth(r.internetCostUSD)))", 30), at: 3)
    }
    // Narrow: shorter words before any of the three numbers is dropped (the cost includes both rates).
    if facts.prefix(3).map(\.0.count).reduce(2 * 2, +) > room {
      facts = [
        ("x-zone \(zoneRate)", 50), ("x-region \(regionRate)", 40), ("≈\(NumberText.usd(month))/mo", 60),
        ("w \(window)", 20),
      ]
      // Still too narrow: the clock loses its date before a number goes.
      if facts.prefix(3).map(\.0.count).reduce(2 * 2, +) > room, let at = clockMs(s) {
        let short = state + "  " + clock(at)
        room += right.count - short.count
        right = short
      }
    }
    // The change against a pinned baseline outranks the wording, not the three numbers.
    let change = s.baseline?.change(r)
    if let change { facts.append((change.text, 35)) }
    let line = " " + fitParts(facts, width: room, separator: "  ")
    b.text(line, x: 0, y: 1, role: .header, bold: true)
    if let change, let at = b.find("vs baseline", y: 1) {
      b.text(change.text, x: at, y: 1, role: change.costRose ? .error : .ok, bold: true, maxWidth: b.width - at)
    }
    b.textRight(right + " ", right: b.width, y: 1, role: s.paused ? .paused : .header, bold: true)
  }

  /// Joins the parts that fit in `width`, dropping the lowest priority first, keeping their order.
  static func fitParts(_ parts: [(String, Int)], width: Int, separator: String) -> String {
    var kept = parts
    while kept.count > 1 && kept.map(\.0.count).reduce(0, +) + separator.count * (kept.count - 1) > width {
      guard let lowest = kept.indices.min(by: { kept[$0].1 < kept[$1].1 }) else { break }
      kept.remove(at: lowest)
    }
    return kept.map(\.0).joined(separator: separator)
  }

  /// The time the numbers on screen are from: the newest counted scrape (the window's end, as
  /// exports and Health say), else the source's clock before any round.
  static func clockMs(_ s: AppState) -> Int64? {
    if let end = s.report?.windowEndMs, end > 0 { return end }
    return s.nowMs > 0 ? s.nowMs : nil
  }

  /// `10:04:50` (UTC), with the date in front when it is not the day of `todayMs` (a replay of another day).
  public static func clock(_ ms: Int64, todayMs: Int64 = 0) -> String {
    let t = RFC3339.format(ms: ms - ms % 1000)
    let parts = t.split(separator: "T")
    let time = parts.last.map { String($0.dropLast()) } ?? t
    guard todayMs > 0, let day = parts.first, !RFC3339.format(ms: todayMs).hasPrefix(day) else { return time }
    return day + " " + time
  }

  static func tabs(_ b: inout CellBuffer, _ s: AppState) {
    var x = 1
    // Narrow, Namespaces is "NS" so the units still fit beside the tabs.
    let narrow = b.width < 100
    for v in View.allCases {
      let label = " \(v.rawValue) \(narrow && v == .namespaces ? "NS" : v.title) "
      x += b.text(label, x: x, y: 2, role: v == s.view ? .selected : .columnHeader, bold: v == s.view)
      x += 1
    }
    var right = "units: \(s.units.title)"
    if s.hasFilter { right = "filter: \(s.filterSummary)  " + right }
    if x + right.count + 1 < b.width { b.textRight(right + " ", right: b.width, y: 2, role: .dim) }
  }

  static func statusLine(_ b: inout CellBuffer, _ s: AppState) {
    let y = b.height - 2
    if let editor = s.filterEditor {
      let text =
        b.width >= 100
        ? "/ filter (namespace, workload, service, zone; Enter applies, Esc cancels, ^U ^W ^K ←→ edit): "
        : "/ filter (Enter applies, Esc cancels): "
      prompt(&b, text, editor, y: y)
    } else if let editor = s.command {
      let x = prompt(&b, ":", editor, y: y)
      // What Tab offered, after the line; else what the command takes.
      let words = editor.text.split(separator: " ").map(String.init)
      var hint = ""
      if !s.completions.isEmpty {
        hint = s.completions.prefix(12).joined(separator: "  ") + (s.completions.count > 12 ? "  ..." : "")
      } else if let spec = Commands.all.first(where: { $0.name == words.first?.lowercased() }) {
        hint = ":\(spec.name) \(spec.argument) - \(spec.help)"
      } else if editor.text.isEmpty {
        hint = "ns zone cluster window pricing reporter units sort export goto q (Tab completes, ↑↓ history)"
      }
      if !hint.isEmpty && x + 3 < b.width { b.text(hint, x: x + 2, y: y, role: .dim, maxWidth: b.width - x - 3) }
    } else if let status = s.status {
      b.text(" " + status, x: 0, y: y, role: s.statusIsError ? .error : .ok, maxWidth: b.width - 1)
    } else if s.atEnd {
      // The end of a replay stays said after other messages have gone.
      b.text(" end of the recording: [ steps back, Home goes to the start, q quits", x: 0, y: y, role: .dim)
    }
  }

  /// A prompt and its line, the cursor a highlighted cell; returns where the line ends.
  @discardableResult
  static func prompt(_ b: inout CellBuffer, _ prompt: String, _ editor: LineEditor, y: Int) -> Int {
    let x = b.text(prompt, x: 0, y: y, role: .key)
    let room = max(1, b.width - x - 1)
    // A line longer than the room scrolls so the cursor stays in sight.
    let before = editor.beforeCursor
    let skip = max(0, DisplayWidth.of(before) - room + 1)
    let shownBefore = String(before.dropFirst(skip))
    let after = String(editor.text.dropFirst(editor.cursor))
    var at = x + b.text(shownBefore, x: x, y: y, role: .normal)
    let cursorChar = after.first.map(String.init) ?? " "
    b.text(cursorChar, x: at, y: y, role: .selected)
    at += max(1, DisplayWidth.of(cursorChar))
    if after.count > 1 { at += b.text(String(after.dropFirst()), x: at, y: y, role: .normal, maxWidth: b.width - at) }
    return at
  }

  static func footer(_ b: inout CellBuffer, _ s: AppState) {
    b.fill(x: 0, y: b.height - 1, width: b.width, height: 1, Cell(" ", role: .footer))
    var hints: [(String, String)] = [("1-7", "view"), ("↑↓←→", "move")]
    if s.view == .zones || s.view == .regions { hints.append(("⏎", "hops")) }
    if s.view == .flows { hints.append(("⏎", "zones")) }
    if s.view == .services { hints.append(("⏎", "clients")) }
    if s.view == .namespaces { hints.append(("⏎", "flows")) }
    if s.isDrilling { hints = [("Esc", "back"), ("↑↓", "move")] }
    let k = s.keys.key
    hints += [
      (k("u"), "units"), (k("<") + k(">"), "sort"), (k("/"), "filter"), (k("r"), "reporter"), (k("p"), "pause"),
    ]
    if s.isReplay { hints += [(k("+") + "/" + k("-"), "speed"), (k("[") + " " + k("]"), "step")] }
    hints += [(k("e"), "export"), (k(":"), "cmd"), (k("?"), "help"), (k("q"), "quit")]
    var x = 0
    for (k, label) in hints {
      let need = k.count + label.count + 2
      if x + need > b.width { break }
      x += b.text(k, x: x, y: b.height - 1, role: .key, bold: true)
      x += b.text(" " + label + " ", x: x, y: b.height - 1, role: .footer)
    }
  }

  /// The keys, grouped, in a frame over the view (Esc or any key closes it).
  static func help(_ b: inout CellBuffer, version: String?, keys: KeyBindings = KeyBindings()) {
    let k = keys.key
    let groups: [(String, [String])] = [
      (
        "Views",
        [
          "1-7 Tab  Zones Regions Flows Services Health Namespaces Trend",
          "↑↓←→ hjkl move · \(k("g")) \(k("G")) first, last row · ⏎ drill down · Esc back",
        ]
      ),
      ("Cost", ["\(k("c")) costliest cell · \(k("u")) units (B/s, bytes, USD/month) · \(k("b")) \(k("B")) baseline"]),
      (
        "Tables",
        ["\(k("<")) \(k(">")) sort column left, right · \(k("I")) invert · \(k("/")) filter · \(k("e")) export CSV"]
      ),
      (
        "Replay",
        [
          "\(k("p")) pause · \(k("+")) \(k("-")) speed · \(k("[")) \(k("]")) step · \(k("{")) \(k("}")) 1 min · "
            + "\(k("(")) \(k(")")) 5 min · Home End"
        ]
      ),
      ("Other", ["\(k("r")) reporter policy · \(k(":")) command · \(k("?")) help · \(k("q")) quit"]),
      (
        "Commands",
        [
          ":ns :zone :cluster NAME (- for all) · :window 1h · :pricing gcp",
          ":units usd · :reporter source · :sort COLUMN · :export PATH",
          ":goto 12:05 (start, end) · :q     Tab completes, ↑↓ history",
        ]
      ),
    ]
    var lines: [(String, String)] = []
    // Keys moved by the config file, above the built-in ones they replace.
    var movedRows: [String] = []
    for m in keys.moved {
      if let last = movedRows.last, last.count + 3 + m.count <= 64 {
        movedRows[movedRows.count - 1] = last + " · " + m
      } else {
        movedRows.append(m)
      }
    }
    // The rows below show the keys in force; this says which the config file moved.
    for (i, row) in movedRows.enumerated() { lines.append((i == 0 ? "Moved" : "", row)) }
    for (title, rows) in groups {
      for (i, row) in rows.enumerated() { lines.append((i == 0 ? title : "", row)) }
    }
    let notes = [
      "Costs are estimates, priced per GiB (2^30 bytes) for aws and gcp;",
      "rates are SI (1 MB/s = 10^6 bytes/s). Any key closes this help.",
    ]
    let w = min(b.width - 2, 78)
    let h = min(b.height - 2, lines.count + notes.count + 3)
    let x0 = (b.width - w) / 2
    let y0 = (b.height - h) / 2
    b.fill(x: x0, y: y0, width: w, height: h, Cell(" ", role: .header))
    // The frame: the view around it is not read as part of the help.
    b.hline(x: x0 + 1, y: y0, width: w - 2, role: .header)
    b.hline(x: x0 + 1, y: y0 + h - 1, width: w - 2, role: .header)
    for y in y0..<(y0 + h) {
      b.text(y == y0 ? "┌" : (y == y0 + h - 1 ? "└" : "│"), x: x0, y: y, role: .header)
      b.text(y == y0 ? "┐" : (y == y0 + h - 1 ? "┘" : "│"), x: x0 + w - 1, y: y, role: .header)
    }
    let title = " zonetop keys" + (version.map { " · \($0)" } ?? "") + " "
    b.text(title, x: x0 + 2, y: y0, role: .title, bold: true, maxWidth: w - 4)
    var y = y0 + 1
    for (group, row) in lines where y < y0 + h - 1 {
      b.text(group, x: x0 + 2, y: y, role: .title, bold: true)
      b.text(row, x: x0 + 11, y: y, role: .header, maxWidth: w - 13)
      y += 1
    }
    y += 1
    for note in notes where y < y0 + h - 1 {
      b.text(note, x: x0 + 2, y: y, role: .dim, maxWidth: w - 4)
      y += 1
    }
  }

  // MARK: - Values

  /// A compact cell value in the current units.
  static func compact(_ s: AppState, _ r: TrafficReport, bytes: UInt64, cost: Double) -> String {
    switch s.units {
    case .rate, .change: return shortNumber(r.perSecond(bytes))
    case .bytes: return shortNumber(Double(bytes))
    case .cost:
      let m = r.perMonth(cost)
      if m > 0 && m < 0.01 { return "<$0.01" }
      return m == 0 ? "$0" : "$" + shortNumber(m)
    }
  }

  /// A number in at most 4 characters with an SI suffix, two significant digits below 10 of a
  /// unit and whole above (`0.89`, `9.9M`, `10M`, `999k`): rounding never shows `10.0M` next to
  /// `9.9M` and `11M`, and a small nonzero value is `<0.01`, never `0.00`.
  public static func shortNumber(_ v: Double) -> String {
    guard v.isFinite else { return "-" }
    if v == 0 { return "0" }
    if v < 0.01 { return "<0.01" }
    if v < 0.995 { return NumberText.fixed(v, 2) }
    let units = ["", "k", "M", "G", "T", "P"]
    var x = v
    var u = 0
    while x >= 999.5 && u < units.count - 1 {
      x /= 1000
      u += 1
    }
    return (x < 9.95 ? NumberText.fixed(x, 1) : NumberText.fixed(x, 0)) + units[u]
  }

  static func heat(_ value: Double, max: Double) -> Role {
    guard value > 0, max > 0 else { return .dim }
    let f = log10(1 + 9 * value / max)  // 0...1
    switch f {
    case ..<0.2: return .heat0
    case ..<0.4: return .heat1
    case ..<0.6: return .heat2
    case ..<0.8: return .heat3
    default: return .heat4
    }
  }

  // MARK: - Matrices

  static func zoneMatrix(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int)
    -> MatrixLayout
  {
    let zones = r.zones
    var cells: [[(UInt64, Double)]] = []
    for a in zones {
      cells.append(
        zones.map { z in
          let p = r.zonePairs[ZonePair(from: a, to: z)]
          return (p?.bytes ?? 0, p?.costUSD ?? 0)
        })
    }
    // Unknown locality is spelled `unknown` everywhere: its group header says it, its zone label is "-".
    let groups = zones.map { $0.isUnknown ? ViewRows.unknown : $0.region }
    let labels = zones.map { z -> String in
      if z.isUnknown { return "-" }
      if z.zone.hasPrefix(z.region) && z.zone.count > z.region.count {
        return String(z.zone.dropFirst(z.region.count)).trimmingLeading("-")
      }
      return z.zone
    }
    let baseline = s.baseline.map { base in
      { (i: Int, j: Int) in base.zonePair(ZonePair(from: zones[i], to: zones[j])).bytesPerSecond }
    }
    return matrix(
      &b, s, r, rowNames: zones.map(ViewRows.zoneName), columnNames: labels, groups: groups,
      cells: cells, baselineRate: baseline, top: top, height: height,
      title: "bytes from source zone (rows) to destination zone (columns)")
  }

  static func regionMatrix(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int)
    -> MatrixLayout
  {
    let regions = r.regions
    let cells = regions.map { a in
      regions.map { z -> (UInt64, Double) in
        let p = r.regionPairs[RegionPair(from: a, to: z)]
        return (p?.bytes ?? 0, p?.costUSD ?? 0)
      }
    }
    let baseline = s.baseline.map { base in
      { (i: Int, j: Int) in base.regionPair(RegionPair(from: regions[i], to: regions[j])).bytesPerSecond }
    }
    return matrix(
      &b, s, r, rowNames: regions, columnNames: regions, groups: regions.map { _ in "" }, cells: cells,
      baselineRate: baseline, top: top, height: height,
      title: "bytes from source region (rows) to destination region (columns)")
  }

  static func matrix(
    _ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, rowNames: [String], columnNames: [String],
    groups: [String], cells: [[(UInt64, Double)]], baselineRate: ((Int, Int) -> Double)?, top: Int, height: Int,
    title: String
  ) -> MatrixLayout {
    // In the "change vs baseline" units, each cell's bytes/s now minus the baseline's.
    let changes = baselineRate.flatMap { then in
      s.units == .change
        ? cells.indices.map { i in cells[i].indices.map { j in r.perSecond(cells[i][j].0) - then(i, j) } } : nil
    }
    /// A change against the baseline: signed, green when it fell, red when it rose.
    func changeCell(_ v: Double) -> (String, Role) {
      guard abs(v) >= 0.5 else { return ("±0", .dim) }
      return ((v > 0 ? "+" : "-") + shortNumber(abs(v)), v > 0 ? .error : .ok)
    }
    let n = rowNames.count
    let labelWidth = min(max(8, (rowNames.map(DisplayWidth.of).max() ?? 8) + 1), 22)
    let totalWidth = 8
    let fair = n > 0 ? (b.width - labelWidth - totalWidth - 1) / n : 7
    // Wide enough for the column names and for each group's name over its columns (a filter that
    // leaves one zone of a region keeps the region's name whole when there is room).
    var groupNeed = 0
    var g = 0
    while g < n {
      let span = groups[g...].prefix { $0 == groups[g] }.count
      if !groups[g].isEmpty { groupNeed = max(groupNeed, (groups[g].count + 1 + span - 1) / span) }
      g += span
    }
    let cellWidth = max(7, min(16, min(max((columnNames.map(DisplayWidth.of).max() ?? 6) + 2, groupNeed), fair)))
    let usable = b.width - labelWidth - totalWidth - 1
    let visible = max(1, min(n, usable / cellWidth))
    let selRow = min(s.row, max(0, n - 1))
    let selCol = min(s.column, max(0, n - 1))
    let firstColumn = min(max(0, selCol - visible + 1), max(0, n - visible))
    let offDiagonalMax =
      (0..<n).flatMap { i in (0..<n).filter { $0 != i }.map { j in value(s, r, cells[i][j]) } }.max() ?? 0
    b.text(title + " · " + s.units.title, x: 1, y: top, role: .dim)
    // Group (region) header and column names.
    var lastGroup = ""
    for (k, j) in (firstColumn..<min(n, firstColumn + visible)).enumerated() {
      let x = labelWidth + k * cellWidth
      if groups[j] != lastGroup && !groups[j].isEmpty {
        // A group header spans its columns; the last one may run on over TOTAL's column.
        let span = groups[j...].prefix { $0 == groups[j] }.count
        let isLast = j + span >= min(n, firstColumn + visible)
        b.text(
          groups[j], x: x, y: top + 1, role: .columnHeader, bold: true,
          maxWidth: cellWidth * span - 1 + (isLast ? totalWidth : 0))
        lastGroup = groups[j]
      }
      let name =
        DisplayWidth.of(columnNames[j]) > cellWidth - 1
        ? DisplayWidth.truncated(columnNames[j], width: cellWidth - 1) : columnNames[j]
      b.textRight(name, right: x + cellWidth - 1, y: top + 2, role: j == selCol ? .selected : .columnHeader)
    }
    if firstColumn > 0 { b.text("◀", x: labelWidth - 1, y: top + 2, role: .dim) }
    if firstColumn + visible < n { b.text("▶", x: labelWidth + visible * cellWidth, y: top + 2, role: .dim) }
    b.textRight(
      "TOTAL", right: labelWidth + visible * cellWidth + totalWidth, y: top + 2, role: .columnHeader, bold: true)
    let rowsAvailable = height - 6
    let firstRow = min(max(0, selRow - rowsAvailable + 1), max(0, n - rowsAvailable))
    var y = top + 3
    for i in firstRow..<min(n, firstRow + max(1, rowsAvailable)) {
      b.text(
        rowNames[i], x: 1, y: y, role: i == selRow ? .selected : .normal, bold: i == selRow, maxWidth: labelWidth - 1)
      for (k, j) in (firstColumn..<min(n, firstColumn + visible)).enumerated() {
        let x = labelWidth + k * cellWidth
        let v = value(s, r, cells[i][j])
        var text = cells[i][j].0 == 0 ? "·" : compact(s, r, bytes: cells[i][j].0, cost: cells[i][j].1)
        var role: Role = i == j ? .diagonal : heat(v, max: offDiagonalMax)
        if cells[i][j].0 == 0 { role = .dim }
        if let changes { (text, role) = changeCell(changes[i][j]) }
        if i == selRow && j == selCol { role = .selected }
        if i == selRow && j == selCol {
          b.fill(x: x, y: y, width: cellWidth - 1, height: 1, Cell(" ", role: .selected))
        }
        b.textRight(text, right: x + cellWidth - 1, y: y, role: role, bold: i == selRow && j == selCol)
      }
      let rowBytes = cells[i].reduce(UInt64(0)) { $0.addingSaturating($1.0) }
      let rowCost = cells[i].reduce(0.0) { $0 + $1.1 }
      let rowTotal =
        changes.map { changeCell($0[i].reduce(0, +)) } ?? (compact(s, r, bytes: rowBytes, cost: rowCost), .total)
      b.textRight(
        rowTotal.0, right: labelWidth + visible * cellWidth + totalWidth, y: y, role: rowTotal.1, bold: true)
      y += 1
    }
    b.text("TOTAL", x: 1, y: y, role: .columnHeader, bold: true)
    for (k, j) in (firstColumn..<min(n, firstColumn + visible)).enumerated() {
      let colBytes = (0..<n).reduce(UInt64(0)) { $0.addingSaturating(cells[$1][j].0) }
      let colCost = (0..<n).reduce(0.0) { $0 + cells[$1][j].1 }
      let colTotal =
        changes.map { c in changeCell((0..<n).reduce(0) { $0 + c[$1][j] }) }
        ?? (compact(s, r, bytes: colBytes, cost: colCost), .total)
      b.textRight(
        colTotal.0, right: labelWidth + k * cellWidth + cellWidth - 1, y: y, role: colTotal.1, bold: true)
    }
    // With --egress-as-internet the header's cost includes internet egress, which no cell holds:
    // said under the totals, so the cells plus this line make the header's number.
    if r.internetCostUSD > 0 {
      let line =
        "+ internet egress \(NumberText.usd(r.perMonth(r.internetCostUSD)))/month, not in the cells "
        + "(total \(NumberText.usd(r.perMonth(r.totalCostUSD)))/month)"
      b.text(line, x: 1, y: y + 1, role: .warning, maxWidth: b.width - 2)
    }
    // The selected cell, in words.
    if n > 0 {
      let c = cells[selRow][selCol]
      let scope =
        s.view == .regions
        ? (rowNames[selRow] == columnNames[selCol] ? "same region" : "cross-region")
        : Scope.of(r.zones[selRow], r.zones[selCol]).rawValue
      var detail =
        "\(rowNames[selRow]) → \(rowNames[selCol])  \(scope)  \(NumberText.bytes(r.perSecond(c.0), suffix: "B/s"))"
      detail += "  \(NumberText.bytes(Double(c.0))) in window  \(NumberText.usd(r.perMonth(c.1)))/month"
      if let changes {
        let was = r.perSecond(c.0) - changes[selRow][selCol]
        detail += "  baseline \(NumberText.bytes(was, suffix: "B/s"))"
      }
      b.text(detail, x: 1, y: y + 2, role: .normal, maxWidth: b.width - 2)
      var x = 1 + b.text("Enter lists the hops of this cell · colour: ", x: 1, y: y + 3, role: .dim)
      if changes != nil {
        x += b.text("less than the baseline", x: x, y: y + 3, role: .ok)
        x += b.text(" · ", x: x, y: y + 3, role: .dim)
        b.text("more", x: x, y: y + 3, role: .error)
      } else {
        x += b.text("low ", x: x, y: y + 3, role: .dim)
        for role in [Role.heat0, .heat1, .heat2, .heat3, .heat4] { x += b.text("██", x: x, y: y + 3, role: role) }
        b.text(" high (log)", x: x, y: y + 3, role: .dim)
      }
    }
    // Under the detail and legend lines, the ranked pairs in the rows left.
    let stripTop = y + 5 + (r.internetCostUSD > 0 ? 1 : 0)
    CostStrip.draw(&b, r, regions: s.view == .regions, top: stripTop, height: top + height - stripTop)
    return MatrixLayout(
      x: 0, y: top + 3 - firstRow, rowLabelWidth: labelWidth, cellWidth: cellWidth,
      firstColumn: firstColumn, rows: n, columns: n)
  }

  static func value(_ s: AppState, _ r: TrafficReport, _ c: (UInt64, Double)) -> Double {
    s.units == .cost ? c.1 : Double(c.0)
  }

  // MARK: - Tables

  /// Bytes in a table as the units ask: in the window, or per second (the tables always
  /// show USD/month in a column of their own, so the cost units show rates there).
  static func tableBytes(_ bytes: UInt64, _ r: TrafficReport, _ s: AppState) -> String {
    s.units == .bytes ? shortNumber(Double(bytes)) : shortNumber(r.perSecond(bytes))
  }

  /// `text` cut to `width` characters in the middle (`127.0.0.1:4…/hostile/t/7`), keeping more of the end.
  static func middleTruncated(_ text: String, _ width: Int) -> String {
    guard DisplayWidth.of(text) > width, width > 3 else { return text }
    let head = (width - 1) * 2 / 5
    let visible = Sanitize.visible(text)
    let tail = String(DisplayWidth.prefix(String(visible.reversed()), width: width - 1 - head).reversed())
    return DisplayWidth.prefix(visible, width: head) + "…" + tail
  }

  struct Column {
    var title: String
    var width: Int
    var right: Bool
    var priority: Int
    /// The column rows sort by when it is picked with `<` `>`; nil: not sortable.
    var sort: SortColumn? = nil
  }

  /// Keeps the columns that fit, dropping the lowest priority first; the first column takes the slack.
  static func fit(_ columns: [Column], width: Int) -> [Int] {
    var kept = Array(columns.indices)
    while kept.count > 1 && kept.reduce(0, { $0 + columns[$1].width + 1 }) > width {
      guard let drop = kept.dropFirst().min(by: { columns[$0].priority < columns[$1].priority }) else { break }
      kept.removeAll { $0 == drop }
    }
    return kept
  }

  /// Draws a table; the column `flexible` (the first by default) takes the width left over.
  static func table(
    _ b: inout CellBuffer, columns: [Column], rows: [[String]], roles: [[Role]]? = nil, selected: Int?,
    top: Int, height: Int, flexible: Int = 0, sort: TableSort? = nil
  ) {
    table(
      &b, columns: columns, rowCount: rows.count, cells: { rows[$0] }, roles: roles.map { r in { r[$0] } },
      selected: selected, top: top, height: height, flexible: flexible, sort: sort)
  }

  /// A table whose rows' texts are made only for the rows on screen (`cells(i)`): a table of
  /// 50,000 hops costs its visible rows, not 50,000 formatted lines.
  static func table(
    _ b: inout CellBuffer, columns: [Column], rowCount: Int, cells: (Int) -> [String],
    roles: ((Int) -> [Role])? = nil, selected: Int?, top: Int, height: Int, flexible: Int = 0,
    sort: TableSort? = nil
  ) {
    let kept = fit(columns, width: b.width - 1)
    let slack = kept.contains(flexible) ? flexible : kept[0]
    let fixed = kept.filter { $0 != slack }.reduce(0) { $0 + columns[$1].width + 1 }
    var widths = columns.map(\.width)
    widths[slack] = max(columns[slack].width, b.width - 2 - fixed)
    func draw(_ fields: [String], y: Int, role: Role, bold: Bool, rowRoles: [Role]?) {
      var x = 1
      for i in kept {
        let w = widths[i]
        var text = fields[i]
        text = DisplayWidth.truncated(text, width: w)
        let r = rowRoles?[i] ?? role
        if columns[i].right {
          b.textRight(text, right: x + w, y: y, role: r, bold: bold)
        } else {
          b.text(text, x: x, y: y, role: r, bold: bold, maxWidth: w)
        }
        x += w + 1
      }
    }
    // The sorted column's title carries an arrow pointing the way its values go down the table.
    let titles = columns.indices.map { i -> String in
      guard let sort, columns[i].sort == sort.column else { return columns[i].title }
      let arrow = sort.descending ? "▼" : "▲"
      return DisplayWidth.prefix(columns[i].title, width: max(1, widths[i] - 1)) + arrow
    }
    draw(titles, y: top, role: .columnHeader, bold: true, rowRoles: nil)
    let rowsAvailable = height - 1
    let sel = selected.map { min($0, max(0, rowCount - 1)) }
    let first = sel.map { min(max(0, $0 - rowsAvailable + 1), max(0, rowCount - rowsAvailable)) } ?? 0
    for (k, i) in (first..<min(rowCount, first + max(0, rowsAvailable))).enumerated() {
      let y = top + 1 + k
      if i == sel { b.fill(x: 0, y: y, width: b.width, height: 1, Cell(" ", role: .selected)) }
      draw(cells(i), y: y, role: i == sel ? .selected : .normal, bold: false, rowRoles: i == sel ? nil : roles?(i))
    }
    if rowCount == 0 { b.text("(nothing in the window\(selected == nil ? "" : ""))", x: 2, y: top + 1, role: .dim) }
  }

  /// Flows: each hop's bytes split by scope (a hop is not "cross-region" with all its bytes),
  /// its share of all crossing bytes and its cost; at 80 columns the scope columns stay and
  /// the names are cut.
  static func flows(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int) {
    let rows = ViewRows.flowRows(r, s)
    let cross = rows.reduce(UInt64(0)) { $0.addingSaturating($1.1.crossBytes) }
    let hasUnknown = rows.contains { ($0.1.byScope[.unknown] ?? 0) > 0 }
    var columns = [
      Column(title: "SOURCE → DESTINATION SERVICE", width: 24, right: false, priority: 100, sort: .name),
      Column(title: "SAME-ZONE", width: 9, right: true, priority: 45, sort: .sameZone),
      Column(title: "X-ZONE", width: 9, right: true, priority: 85, sort: .crossZone),
      Column(title: "X-REGION", width: 9, right: true, priority: 80, sort: .crossRegion),
      Column(title: "SHARE", width: 6, right: true, priority: 70, sort: .share),
      Column(title: "USD/MONTH", width: 10, right: true, priority: 90, sort: .cost),
      Column(title: "REQ →", width: 7, right: true, priority: 20, sort: .request),
      Column(title: "← RESP", width: 7, right: true, priority: 10, sort: .response),
    ]
    // Unknown locality may be crossing: at 80 columns it stays and the free same-zone bytes go.
    if hasUnknown {
      columns.insert(Column(title: "UNKNOWN", width: 8, right: true, priority: 60, sort: .unknown), at: 4)
    }
    func cellsText(_ i: Int) -> [String] {
      let (h, st) = rows[i]
      var cells = [
        "\(r.sourceName(h)) → \(h.destinationService)",
        tableBytes(st.byScope[.sameZone] ?? 0, r, s), tableBytes(st.byScope[.crossZone] ?? 0, r, s),
        tableBytes(st.byScope[.crossRegion] ?? 0, r, s),
        cross > 0 ? NumberText.fixed(100 * Double(st.crossBytes) / Double(cross), 1) + "%" : "-",
        NumberText.usd(r.perMonth(st.costUSD)), tableBytes(st.forward, r, s), tableBytes(st.back, r, s),
      ]
      if hasUnknown { cells.insert(tableBytes(st.byScope[.unknown] ?? 0, r, s), at: 4) }
      if let base = s.baseline { cells.append(Self.costChange(now: r.perMonth(st.costUSD), then: base.hopCost(h))) }
      return cells
    }
    if s.baseline != nil { columns.append(Column(title: "Δ USD/MO", width: 10, right: true, priority: 88)) }
    let unit = s.units == .bytes ? "bytes in window" : "B/s"
    b.text(
      "hops that cross, \(unit) by scope · SHARE: of all crossing bytes · sorted by \(s.sort(for: .flows).title)",
      x: 1, y: top, role: .dim, maxWidth: b.width - 2)
    table(
      &b, columns: columns, rowCount: rows.count, cells: cellsText, selected: s.row, top: top + 1,
      height: height - 1, sort: s.sort(for: .flows))
  }

  /// A cost per month against the baseline's: signed, or `new` when the baseline had none.
  static func costChange(now: Double, then: Double?) -> String {
    guard let then else { return "new" }
    let d = now - then
    return abs(d) < 0.005 ? "$0" : (d > 0 ? "+" : "-") + NumberText.usd(abs(d))
  }

  static func services(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int) {
    let rows = ViewRows.serviceRows(r, s)
    let routing = s.discovery.map { d in rows.map { d.routing(ofService: $0.service) } }
    var columns = [
      Column(title: "DESTINATION SERVICE", width: 28, right: false, priority: 100, sort: .name),
      Column(title: "IN-ZONE", width: 7, right: true, priority: 95, sort: .inZone),
      Column(title: "", width: 10, right: false, priority: 30),
      Column(
        title: s.units == .bytes ? "X-ZONE BYTES" : "X-ZONE B/s", width: 12, right: true, priority: 80,
        sort: .crossZone),
      Column(
        title: s.units == .bytes ? "X-REGION BYTES" : "X-REGION B/s", width: 14, right: true, priority: 70,
        sort: .crossRegion),
      Column(title: "USD/MONTH", width: 10, right: true, priority: 90, sort: .cost),
    ]
    if routing != nil { columns.insert(Column(title: "ROUTING", width: 14, right: false, priority: 85), at: 1) }
    if s.baseline != nil { columns.append(Column(title: "BASELINE", width: 8, right: true, priority: 92)) }
    var asking = (services: 0, cross: UInt64(0), known: UInt64(0))
    for (i, svc) in rows.enumerated() where routing?[i]?.prefersSameZone == true {
      asking.services += 1
      asking.cross.addSaturating((svc.byScope[.crossZone] ?? 0).addingSaturating(svc.byScope[.crossRegion] ?? 0))
      asking.known.addSaturating(svc.bytes - (svc.byScope[.unknown] ?? 0))
    }
    // Texts and roles only for the rows on screen.
    func row(_ i: Int) -> (cells: [String], roles: [Role]) {
      let svc = rows[i]
      let share = svc.inZoneShare
      let filled = share.map { Int(($0 * 10).rounded()) } ?? 0
      let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 10 - filled)
      var rowRoles: [Role] = [
        .normal, share.map { $0 >= 0.8 ? .ok : ($0 >= 0.5 ? .warning : .error) } ?? .dim, .bar, .normal, .normal,
        .normal,
      ]
      var cells = [
        svc.service, share.map { NumberText.fixed($0 * 100, 0) + "%" } ?? ViewRows.unknown, share == nil ? "" : bar,
        tableBytes(svc.byScope[.crossZone] ?? 0, r, s), tableBytes(svc.byScope[.crossRegion] ?? 0, r, s),
        NumberText.usd(r.perMonth(svc.costUSD)),
      ]
      if let routing {
        let asks = routing[i]?.prefersSameZone == true
        cells.insert(routing[i]?.trafficDistribution ?? "-", at: 1)
        rowRoles.insert(asks ? .ok : .dim, at: 1)
        // A service that asks for its zone but still crosses: the crossing columns stand out.
        if asks {
          if (svc.byScope[.crossZone] ?? 0) > 0 { rowRoles[4] = .warning }
          if (svc.byScope[.crossRegion] ?? 0) > 0 { rowRoles[5] = .warning }
        }
      }
      // In-zone share then, beside now's.
      if let base = s.baseline {
        cells.append(base.inZoneShare[svc.service].map { NumberText.fixed($0 * 100, 0) + "%" } ?? "new")
        rowRoles.append(.dim)
      }
      return (cells, rowRoles)
    }
    var title =
      "share of each service's traffic that stays in its zone (PreferSameZone at work) · sorted by \(s.sort(for: .services).title)"
    if routing != nil {
      let crossShare =
        asking.known > 0 ? NumberText.fixed(100 * Double(asking.cross) / Double(asking.known), 1) + "%" : "-"
      title =
        "\(asking.services) service\(asking.services == 1 ? " asks" : "s ask") for same-zone routing; \(crossShare) of their bytes still leave the zone · sorted by \(s.sort(for: .services).title)"
    }
    b.text(title, x: 1, y: top, role: .dim, maxWidth: b.width - 2)
    table(
      &b, columns: columns, rowCount: rows.count, cells: { row($0).cells }, roles: { row($0).roles }, selected: s.row,
      top: top + 1, height: height - 1, sort: s.sort(for: .services))
  }

  /// Trend: USD/month and the crossing rate of each round over the kept history, as block-character
  /// column graphs (btop's style; `.` `o` `#` without UTF-8), newest on the right.
  static func trend(_ b: inout CellBuffer, _ s: AppState, top: Int, height: Int) {
    let points = s.trend
    guard points.count > 0 else {
      b.text("Collecting: the graph starts after the first round with rates.", x: 2, y: top + 1, role: .dim)
      return
    }
    let axis = 10
    let width = max(1, b.width - axis - 2)
    let shown = Array(points.suffix(width))
    let graphHeight = max(2, (height - 5) / 2)
    let costs = shown.map(\.costPerMonth)
    let rates = shown.map { $0.crossZoneRate + $0.crossRegionRate }
    let now = shown[shown.count - 1]
    let title =
      "USD/month at each round's rate, \(shown.count) rounds of \(DurationText.format(ms: s.intervalMs)), newest right"
      + " · now \(NumberText.usd(now.costPerMonth)) · low \(NumberText.usd(costs.min() ?? 0))"
      + " · high \(NumberText.usd(costs.max() ?? 0))"
    b.text(title, x: 1, y: top, role: .dim, maxWidth: b.width - 2)
    graph(&b, costs, x: axis + 1, y: top + 1, width: width, height: graphHeight, role: .heat3) {
      NumberText.usd($0)
    }
    let y2 = top + 2 + graphHeight
    b.text(
      "crossing rate (cross-zone + cross-region) · now \(NumberText.bytes(now.crossZoneRate, suffix: "B/s")) cross-zone, "
        + "\(NumberText.bytes(now.crossRegionRate, suffix: "B/s")) cross-region",
      x: 1, y: y2 - 1, role: .dim, maxWidth: b.width - 2)
    graph(&b, rates, x: axis + 1, y: y2, width: width, height: graphHeight, role: .heat1) {
      NumberText.bytes($0, suffix: "B/s")
    }
    // The time axis: the first and the last round shown.
    let yAxis = y2 + graphHeight
    if yAxis < top + height {
      b.text(clock(shown[0].endMs), x: axis + 1, y: yAxis, role: .dim)
      b.textRight(clock(now.endMs), right: axis + 1 + shown.count, y: yAxis, role: .dim)
    }
  }

  /// A column graph of `values` (one column each, scaled to the highest) with its top and zero labelled.
  static func graph(
    _ b: inout CellBuffer, _ values: [Double], x: Int, y: Int, width: Int, height: Int, role: Role,
    label: (Double) -> String
  ) {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let top = max(values.max() ?? 0, 1e-9)
    b.textRight(label(values.max() ?? 0), right: x - 1, y: y, role: .dim)
    b.textRight(label(0), right: x - 1, y: y + height - 1, role: .dim)
    for (i, v) in values.prefix(width).enumerated() {
      let levels = Int((max(0, v) / top * Double(height * 8)).rounded())
      for k in 0..<height {
        let fill = min(8, max(0, levels - k * 8))
        guard fill > 0 else { continue }
        b.text(String(blocks[fill - 1]), x: x + i, y: y + height - 1 - k, role: role)
      }
    }
  }

  /// Namespaces: what each source namespace's traffic costs (who sends the bytes that cost money),
  /// then each destination namespace's (who serves them), for showback.
  static func namespaces(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int) {
    let rows = ViewRows.namespaceRows(r, s)
    let bytesTitle = s.units == .bytes ? "BYTES" : "B/s"
    let columns = [
      Column(title: "SIDE", width: 6, right: false, priority: 99),
      Column(title: "NAMESPACE", width: 20, right: false, priority: 100, sort: .name),
      Column(title: bytesTitle, width: 9, right: true, priority: 60, sort: .bytes),
      Column(title: "X-ZONE", width: 9, right: true, priority: 80, sort: .crossZone),
      Column(title: "X-REGION", width: 9, right: true, priority: 75, sort: .crossRegion),
      Column(title: "X-SHARE", width: 8, right: true, priority: 85, sort: .share),
      Column(title: "USD/MONTH", width: 10, right: true, priority: 90, sort: .cost),
    ]
    var roles: [[Role]] = []
    let cellsText = rows.enumerated().map { i, n -> [String] in
      // The side is said on the first row of each; a line of its own would break the table.
      let first = i == 0 || rows[i - 1].side != n.side
      roles.append([.columnHeader, .normal, .normal, .normal, .normal, .normal, .normal])
      return [
        first ? (n.side == .source ? "from" : "to") : "", n.namespace, tableBytes(n.bytes, r, s),
        tableBytes(n.byScope[.crossZone] ?? 0, r, s), tableBytes(n.byScope[.crossRegion] ?? 0, r, s),
        n.crossShare.map { NumberText.fixed($0 * 100, 1) + "%" } ?? ViewRows.unknown,
        NumberText.usd(r.perMonth(n.costUSD)),
      ]
    }
    b.text(
      "cost by source namespace (from: who sends), then destination (to: who serves) · each side adds up to "
        + "the total · X-SHARE: of its bytes that cross · sorted by \(s.sort(for: .namespaces).title)",
      x: 1, y: top, role: .dim, maxWidth: b.width - 2)
    table(
      &b, columns: columns, rows: cellsText, roles: roles, selected: s.row, top: top + 1, height: height - 1,
      flexible: 1, sort: s.sort(for: .namespaces))
  }

  static func health(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport?, top: Int, height: Int) {
    // Targets in name order; names as wide as they need, up to a third of the screen, and
    // cut in the middle beyond that, so targets that differ only at the end stay distinct.
    let (sorted, filtered) = ViewRows.healthRows(s)
    let names = sorted.map { TargetName.short($0.target) }
    let nameWidth = min(max(22, names.map(DisplayWidth.of).max() ?? 0), max(22, b.width / 3))
    let columns = [
      Column(title: "TARGET", width: nameWidth, right: false, priority: 100, sort: .name),
      Column(title: "STATE", width: 5, right: false, priority: 95, sort: .state),
      Column(title: "LATENCY", width: 8, right: true, priority: 60, sort: .latency),
      Column(title: "SCRAPES", width: 7, right: true, priority: 58, sort: .scrapes),
      Column(title: "FAILS", width: 5, right: true, priority: 65, sort: .failures),
      Column(title: "SERIES", width: 7, right: true, priority: 70, sort: .series),
      Column(title: "INVALID", width: 7, right: true, priority: 50, sort: .invalid),
      Column(title: "RESTARTS", width: 8, right: true, priority: 40, sort: .restarts),
      Column(title: "LAST ERROR", width: 24, right: false, priority: 90, sort: .error),
    ]
    var roles: [[Role]] = []
    let nodes = s.discovery?.nodes
    let rows = zip(sorted, names).map { h, name -> [String] in
      var rowRoles: [Role] = [
        .normal, h.up ? .ok : .error, .normal, .normal, h.failures > 0 ? .warning : .normal, .normal,
        h.invalidLines > 0 ? .warning : .normal, (s.restarts[h.target] ?? 0) > 0 ? .warning : .normal, .error,
      ]
      var error = h.lastError ?? ""
      if error.isEmpty && h.seriesWithoutLocality > 0 { error = "no locality labels (older ztunnel)" }
      if error.isEmpty, let issue = h.lastParseIssue, h.invalidLines > 0 || h.invalidCounterValues > 0 { error = issue }
      var cells = [
        middleTruncated(name, nameWidth), h.up ? "up" : "DOWN",
        h.lastLatency.map { NumberText.fixed($0 * 1000, 0) + " ms" } ?? "-",
        String(h.scrapes), String(h.failures), String(h.series), String(h.invalidLines),
        String(s.restarts[h.target] ?? 0), error,
      ]
      if let nodes {
        let node = nodes[h.target]
        cells.insert(node.map { $0.hasTopology ? ($0.zone ?? ViewRows.unknown) : "no labels" } ?? "-", at: 1)
        rowRoles.insert(node?.hasTopology == false ? .warning : .normal, at: 1)
      }
      roles.append(rowRoles)
      return cells
    }
    var tableColumns = columns
    if nodes != nil { tableColumns.insert(Column(title: "NODE ZONE", width: 14, right: false, priority: 75), at: 1) }
    let noLocality = s.health.filter { $0.seriesWithoutLocality > 0 }.count
    let resets = s.health.reduce(0) { $0 + $1.counterResets }
    let restarts = s.restarts.values.reduce(0, +)
    let invalid = s.health.reduce(0) { $0 + $1.invalidLines + $1.invalidCounterValues }
    let overLimit = s.health.reduce(0) { $0 + $1.seriesOverLimit }
    let unknown = r.map { NumberText.bytes(Double($0.unknownLocalityBytes)) } ?? "-"
    let dup = r.map { NumberText.bytes(Double($0.duplicateBytesDropped)) } ?? "-"
    let lines: [(String, Role)] =
      [
        (filtered ? "targets matching '\(s.filter)': \(sorted.count) of \(s.health.count) (Esc clears)" : "", .normal),
        ("bytes with unknown locality: \(unknown)", .normal),
      ] + ownFootprint(s)
      + [
        ("duplicate reports dropped (\(s.policy.rawValue)): \(dup)", .normal)
      ] + gatewayLines(r?.gateway)
      + [
        ("ztunnels without locality labels: \(noLocality)", noLocality > 0 ? .warning : .normal),
        (
          "counter restarts seen: \(restarts) (\(resets) series reset)   invalid lines or values: \(invalid)",
          restarts + invalid > 0 ? .warning : .normal
        ),
        (overLimit > 0 ? "series over the per-target limit, ignored: \(overLimit)" : "", .warning),
        (
          s.forgottenFlows > 0
            ? "flows forgotten (no live series, not in the kept history): \(s.forgottenFlows)" : "",
          .normal
        ),
      ] + discoveryLines(s.discovery)
    let shown = lines.filter { !$0.0.isEmpty }
    // The data-quality panel is as tall as its lines, as long as the table keeps its rows or at
    // least two thirds of the view.
    let quality = min(shown.count + 2, max(height / 3, height - rows.count - 1))
    table(
      &b, columns: tableColumns, rows: rows, roles: roles, selected: s.row, top: top, height: height - quality,
      flexible: tableColumns.count - 1, sort: s.sort(for: .health))
    var y = top + height - quality + 1
    b.hline(x: 0, y: y - 1, width: b.width)
    b.text("Data quality", x: 1, y: y, role: .title, bold: true)
    y += 1
    for (l, role) in shown where y < top + height {
      b.text(l, x: 1, y: y, role: role, maxWidth: b.width - 2)
      y += 1
    }
  }

  /// What zonetop's own scraping moves over the network, a round and a month.
  ///
  /// The sum is over the targets' last fetches; with `--zone` (or in a pod, `NODE_NAME`'s zone),
  /// a second line gives the part that crosses zones and regions (targets' zones from `--kube`)
  /// and its price. Empty when nothing was fetched over HTTP (a replay).
  static func ownFootprint(_ s: AppState) -> [(String, Role)] {
    let round = s.health.reduce(0) { $0 + $1.lastWireBytes }
    guard round > 0 else { return [] }
    let roundsPerMonth = PricingProfile.hoursPerMonth * 3600 / (Double(max(1, s.intervalMs)) / 1000)
    let nodes = s.discovery?.nodes ?? [:]
    let zone = s.ownZone ?? s.ownNode.flatMap { n in nodes.values.first { $0.node == n }?.zone }
    var lines: [(String, Role)] = [
      (
        "zonetop's own scrapes: \(NumberText.bytes(Double(round))) a round (requests, headers, bodies as sent), "
          + "\(NumberText.bytes(Double(round) * roundsPerMonth)) a month at \(DurationText.format(ms: s.intervalMs))"
          + (zone == nil ? " · --zone prices what crosses zones" : ""),
        .normal
      )
    ]
    guard let zone else { return lines }
    let ownRegion = nodes.values.first { $0.zone == zone }?.region
    let pricing = s.report?.options.pricing ?? .aws
    var crossing: [Scope: UInt64] = [:]
    var cost = 0.0
    var unknown = 0
    for h in s.health where h.lastWireBytes > 0 {
      guard let node = nodes[h.target], let targetZone = node.zone else {
        unknown += 1
        continue
      }
      guard targetZone != zone else { continue }
      // Without both regions, a crossing is priced as cross-zone: the lower of the two prices.
      let scope: Scope = ownRegion != nil && node.region != nil && node.region != ownRegion ? .crossRegion : .crossZone
      crossing[scope, default: 0] += UInt64(h.lastWireBytes)
      let from = Locality(region: node.region ?? ViewRows.unknown, zone: targetZone)
      let to = Locality(region: ownRegion ?? ViewRows.unknown, zone: zone)
      cost += pricing.cost(bytes: UInt64(h.lastWireBytes), from: from, to: to, scope: scope)
    }
    let month = { (b: UInt64) in NumberText.bytes(Double(b) * roundsPerMonth) }
    var text =
      "to \(zone) a month: \(month(crossing[.crossZone] ?? 0)) from other zones, "
      + "\(month(crossing[.crossRegion] ?? 0)) from other regions, \(NumberText.usd(cost * roundsPerMonth))/month"
    if unknown > 0 { text += " · zone unknown for \(unknown) target\(unknown == 1 ? "" : "s")" }
    lines.append((text, unknown > 0 ? .warning : .normal))
    return lines
  }

  /// Health lines about hops through east-west gateways: how their series were counted, and
  /// the bytes counted without the far side's locality (a warning, with why).
  static func gatewayLines(_ g: GatewayStats?) -> [(String, Role)] {
    guard let g, g.toGatewayFlows + g.fromGatewayFlows > 0 else { return [] }
    var lines: [(String, Role)] = [
      (
        "east-west gateway flows: \(g.toGatewayFlows) client-side to a gateway, \(g.fromGatewayFlows) server-side "
          + "from one; \(NumberText.bytes(Double(g.bytesCountedFromServerSide))) counted from the server side",
        .normal
      )
    ]
    if let line = ReportExport.gatewayLine(g) { lines.append((line, .warning)) }
    return lines
  }

  /// Health lines about `--kube` discovery: what was found, nodes without topology labels, the last error.
  static func discoveryLines(_ d: DiscoveryStatus?) -> [(String, Role)] {
    guard let d else { return [] }
    let bare = d.nodes.values.filter { !$0.hasTopology }.map(\.node).sorted()
    var lines: [(String, Role)] = [("kube: " + d.summary, .normal)]
    if !bare.isEmpty {
      lines.append(
        (
          "nodes without topology.kubernetes.io labels: \(bare.count) (\(bare.prefix(3).joined(separator: ", "))\(bare.count > 3 ? ", ..." : ""))",
          .warning
        ))
    }
    if let e = d.error { lines.append(("kube: " + e, .error)) }
    return lines
  }

  // MARK: - Drill-down

  /// A drill-down row's name as shown: a matrix cell's hops name their cluster where the
  /// source's name repeats across clusters.
  static func drillName(_ row: ViewRows.DrillRow, _ kind: ViewRows.DrillKind, _ r: TrafficReport) -> String {
    switch kind {
    case .zoneCell, .regionCell:
      if let hop = row.hop { return "\(r.sourceName(hop)) → \(hop.destinationService)" }
    case .hop, .service: break
    }
    return row.name(kind)
  }

  /// The drill-down's title: what was opened and, for a matrix cell, its scope.
  static func drillTitle(_ kind: ViewRows.DrillKind, _ r: TrafficReport) -> String {
    switch kind {
    case .zoneCell(let d):
      return
        "\(ViewRows.zoneName(d.from)) → \(ViewRows.zoneName(d.to)) (\(d.scope.rawValue)): hops, bytes/s over the last rounds"
    case .regionCell(let d):
      let scope = d.scope == .sameZone ? "same region: same-zone and cross-zone hops" : d.scope.rawValue
      return "\(d.from) → \(d.to) (\(scope)): hops, bytes/s over the last rounds"
    case .hop(let h):
      return "\(r.sourceName(h)) → \(h.destinationService): its zone pairs"
    case .service(let service):
      return "clients of \(service) by source zone"
    }
  }

  static func drillDown(_ b: inout CellBuffer, _ s: AppState, _ r: TrafficReport, top: Int, height: Int) {
    guard let kind = s.drillKind else { return }
    let rows = ViewRows.drillRows(r, s)
    b.text(drillTitle(kind, r), x: 1, y: top, role: .title, bold: true, maxWidth: b.width - 2)
    let sparkWidth = max(10, min(30, b.width - 84))
    let valueTitle: String
    switch s.units {
    case .rate, .change: valueTitle = "B/s"
    case .bytes: valueTitle = "BYTES"
    case .cost: valueTitle = "USD/MONTH"
    }
    let nameTitle: String
    switch kind {
    case .zoneCell, .regionCell: nameTitle = "HOP"
    case .hop: nameTitle = "SOURCE ZONE → DESTINATION ZONE"
    case .service: nameTitle = "CLIENT ZONE → SERVICE ZONE"
    }
    let columns = [
      // At 80 columns the name is cut before DIR goes: without it a hop's two rows look the same.
      Column(title: nameTitle, width: 24, right: false, priority: 100, sort: .name),
      Column(title: "DIR", width: 4, right: false, priority: 87, sort: .direction),
      Column(title: "SCOPE", width: 12, right: false, priority: 88, sort: .scope),
      Column(title: valueTitle, width: 10, right: true, priority: 90, sort: s.units == .cost ? .cost : .bytes),
      Column(
        title: s.units == .cost ? "B/s" : "USD/MONTH", width: 10, right: true, priority: 85,
        sort: s.units == .cost ? .bytes : .cost),
      Column(title: "CONNS", width: 6, right: true, priority: 40, sort: .connections),
      Column(title: "HISTORY", width: sparkWidth, right: false, priority: 80),
    ]
    var roles: [[Role]] = []
    let cellsText = rows.map { row -> [String] in
      roles.append([.normal, .dim, row.scope == .sameZone ? .dim : .normal, .normal, .normal, .normal, .spark])
      let rate = shortNumber(r.perSecond(row.bytes))
      let month = NumberText.usd(r.perMonth(row.costUSD))
      let value: String
      switch s.units {
      case .rate, .change: value = rate
      case .bytes: value = shortNumber(Double(row.bytes))
      case .cost: value = month
      }
      return [
        drillName(row, kind, r), row.request.map { $0 ? "req" : "resp" } ?? "both", row.scope.rawValue, value,
        s.units == .cost ? rate : month, String(row.opened), sparkline(s.sparklines[row.id] ?? [], width: sparkWidth),
      ]
    }
    table(
      &b, columns: columns, rows: cellsText, roles: roles, selected: s.drillRow, top: top + 1, height: height - 1,
      sort: s.sort(for: .drill))
  }

  /// Block-character sparkline of the last `width` values.
  public static func sparkline(_ values: [Double], width: Int) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let v = Array(values.suffix(width))
    guard let mx = v.max(), mx > 0 else { return String(repeating: "▁", count: v.count) }
    return String(v.map { blocks[min(7, Int(($0 / mx) * 7.999))] })
  }
}

extension String {
  func trimmingLeading(_ c: Character) -> String { String(drop { $0 == c }) }
}
