import ZoneTopExposition
import ZoneTopTraffic

/// The `:` commands (k9s's command mode): their names, what completes their argument, and what they do.
public enum Commands {
  /// One command: its name, what it takes and what it does (the help overlay and README list these).
  public struct Spec: Sendable {
    public var name: String
    public var argument: String
    public var help: String
  }

  public static let all: [Spec] = [
    Spec(name: "ns", argument: "NAME", help: "only traffic from or to a namespace (:ns - shows all)"),
    Spec(name: "zone", argument: "NAME", help: "only traffic from or to a zone (:zone - shows all)"),
    Spec(name: "cluster", argument: "NAME", help: "only traffic from or to a cluster (:cluster - shows all)"),
    Spec(name: "window", argument: "DURATION", help: "the window of rates and costs (30s, 5m, 1h)"),
    Spec(name: "pricing", argument: "aws|gcp|azure|FILE", help: "the pricing profile"),
    Spec(name: "reporter", argument: "auto|source|destination", help: "whose series are counted"),
    Spec(name: "units", argument: "rate|bytes|usd|change", help: "what cells and tables show"),
    Spec(name: "sort", argument: "COLUMN", help: "sort the table by a column (name, cost, bytes, ...)"),
    Spec(name: "export", argument: "PATH", help: "write what is on screen to a CSV file"),
    Spec(name: "goto", argument: "TIME|start|end", help: "replay: move to 12:05, 12:05:30, a date-time, start, end"),
    Spec(name: "help", argument: "", help: "the keys and commands"),
    Spec(name: "q", argument: "", help: "quit (also :quit)"),
  ]

  static let windows = ["30s", "1m", "5m", "15m", "30m", "1h"]
  static let unitNames: [(String, Units)] = [
    ("rate", .rate), ("bytes", .bytes), ("usd", .cost), ("cost", .cost), ("change", .change),
  ]

  /// The words that may follow `:name ` (for Tab): names seen in the data since the start (the
  /// window's, and every flow received before it), or the allowed values.
  static func values(_ name: String, _ s: AppState) -> [String] {
    var names = s.names
    // The loop fills `names` from every flow received; a state made without it (tests) has the report's.
    if names.namespaces.isEmpty { names.add(s.report?.flows.keys ?? []) }
    switch name {
    case "ns": return names.namespaces.sorted() + ["-"]
    case "zone": return names.zones.sorted() + ["-"]
    case "cluster": return names.clusters.sorted() + ["-"]
    case "window": return windows
    case "pricing": return PricingProfile.builtIn.map(\.name)
    case "reporter": return ReporterPolicy.allCases.map(\.rawValue)
    case "units": return ["rate", "bytes", "usd", "change"]
    case "sort": return s.table.map { ViewRows.sortColumns($0, s).map(\.rawValue) } ?? []
    case "goto": return ["start", "end"]
    default: return []
    }
  }

  /// What Tab offers for the word under the cursor: command names first, then their values.
  public static func completions(_ line: String, _ s: AppState) -> (prefix: String, word: String, options: [String]) {
    let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    if words.count <= 1 {
      let word = words.first ?? ""
      return ("", word, (all.map(\.name) + ["quit"]).filter { $0.hasPrefix(word) })
    }
    let word = words.last ?? ""
    let prefix = words.dropLast().joined(separator: " ") + " "
    return (prefix, word, values(words[0], s).filter { $0.lowercased().hasPrefix(word.lowercased()) })
  }

  /// The longest start the words share.
  static func commonPrefix(_ words: [String]) -> String {
    guard var p = words.first else { return "" }
    for w in words.dropFirst() {
      while !w.hasPrefix(p) { p.removeLast() }
    }
    return p
  }
}

/// What `:goto` parsed: a time of day on the replay's first day, a full date-time, start or end.
enum GotoTarget {
  static func ms(_ text: String, startMs: Int64, endMs: Int64) -> Int64? {
    switch text.lowercased() {
    case "start": return startMs
    case "end": return endMs
    default: break
    }
    if let full = RFC3339.parse(text) { return full }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
    guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else { return nil }
    let h = parts[0] ?? 0
    let m = parts[1] ?? 0
    let sec = parts.count == 3 ? parts[2] ?? 0 : 0
    guard (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(sec) else { return nil }
    // The time of day (UTC, as the clock shows) on the day the replay starts; past midnight, the next day.
    let day = startMs - startMs % 86_400_000
    var ms = day + Int64((h * 3600 + m * 60 + sec) * 1000)
    if ms < startMs - 86_400_000 / 2 { ms += 86_400_000 }
    return ms
  }
}

extension AppState {
  // MARK: - Command mode

  /// Keys while the `:` prompt is open: editing, Tab completion, Up/Down history, Enter runs.
  mutating func editCommand(_ key: Key) -> [Effect] {
    guard var editor = command else { return [] }
    switch key {
    case .escape:
      command = nil
      completions = []
      historyIndex = nil
      return []
    case .enter:
      command = nil
      completions = []
      historyIndex = nil
      let line = String(editor.text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
      guard !line.isEmpty else { return [] }
      if commandHistory.last != line { commandHistory.append(line) }
      if commandHistory.count > 100 { commandHistory.removeFirst() }
      return run(command: line)
    case .tab:
      let (prefix, word, found) = Commands.completions(editor.beforeCursor, self)
      // Tab again, on a word Tab put there, goes on to the next of the same list.
      if completions.count > 1, let i = completions.firstIndex(of: word) {
        editor.set(prefix + completions[(i + 1) % completions.count])
        break
      }
      if completions.count > 1 && found == completions {
        editor.set(prefix + found[0])
        break
      }
      completions = found
      if found.count == 1, let only = found.first {
        let takes = Commands.all.first { $0.name == only }.map { !$0.argument.isEmpty } ?? false
        editor.set(prefix + only + (prefix.isEmpty && takes ? " " : ""))
        completions = []
      } else if !found.isEmpty {
        let common = Commands.commonPrefix(found)
        // The part they share goes in; else the first Tab lists them and the next ones cycle.
        if common.count > word.count { editor.set(prefix + common) }
      } else {
        status = prefix.isEmpty ? "no command starts with '\(word)' (:help lists them)" : "nothing to complete"
      }
    case .up, .down:
      guard !commandHistory.isEmpty else { break }
      var i = historyIndex ?? commandHistory.count
      i += key == .up ? -1 : 1
      if i >= commandHistory.count {
        historyIndex = nil
        editor.set("")
      } else {
        i = max(0, i)
        historyIndex = i
        editor.set(commandHistory[i])
      }
    default:
      _ = editor.apply(key)
      completions = []
    }
    command = editor
    return []
  }

  /// Runs one command line (without the `:`); bad input says what was wrong in the status line.
  public mutating func run(command line: String) -> [Effect] {
    let words = line.split(separator: " ").map(String.init)
    guard let name = words.first?.lowercased() else { return [] }
    let argument = words.dropFirst().joined(separator: " ")
    func fail(_ message: String) -> [Effect] {
      status = message
      statusIsError = true
      return []
    }
    func need(_ what: String) -> [Effect]? {
      guard argument.isEmpty else { return nil }
      return fail(":\(name) needs \(what) (Tab completes)")
    }
    switch name {
    case "q", "quit", "q!", "qa": return [.quit]
    case "help", "h": showHelp = true
    case "ns", "namespace", "zone", "cluster":
      let field = name == "namespace" ? "ns" : name
      if let missing = need("a name, or - for all") { return missing }
      var value: String? = argument == "-" || argument == "all" ? nil : argument
      if let v = value {
        let known = Commands.values(field, self).filter { $0 != "-" }
        if !known.contains(v) {
          if let match = known.first(where: { $0.lowercased() == v.lowercased() }) {
            value = match
          } else {
            let some = known.prefix(6).joined(separator: ", ")
            return fail(
              "no \(field == "ns" ? "namespace" : field) '\(Sanitize.short(v, limit: 40))' in the data"
                + (known.isEmpty ? "" : " (known: \(some)\(known.count > 6 ? ", ..." : ""))"))
          }
        }
      }
      switch field {
      case "ns": namespaceFilter = value
      case "zone": zoneFilter = value
      default: clusterFilter = value
      }
      row = 0
      column = 0
      status = value.map { "only traffic from or to \(field) \($0) · :\(field) - shows all" } ?? "\(field): all"
      return [.filterChanged]
    case "window":
      if let missing = need("a duration such as 5m or 1h") { return missing }
      guard let ms = DurationText.parseMs(argument), ms > 0 else {
        return fail(":window \(Sanitize.short(argument, limit: 20)): expected a duration such as 30s, 5m or 1h")
      }
      return [.window(ms)]
    case "pricing":
      if let missing = need("aws, gcp, azure or a pricing file") { return missing }
      return [.pricing(argument)]
    case "reporter":
      guard let p = ReporterPolicy(rawValue: argument.lowercased()) else {
        return fail(":reporter \(Sanitize.short(argument, limit: 20)): expected auto, source or destination")
      }
      policy = p
      status = "reporter policy: \(p.rawValue)"
      return [.policyChanged]
    case "units", "u":
      guard let u = Commands.unitNames.first(where: { $0.0 == argument.lowercased() })?.1 else {
        return fail(":units \(Sanitize.short(argument, limit: 20)): expected rate, bytes, usd or change")
      }
      if u == .change && baseline == nil { return fail(":units change needs a baseline: b pins one") }
      units = u
      status = "units: \(u.title)"
    case "sort":
      guard let table else { return fail(":sort applies to the tables (Flows, Services, Health, drill-downs)") }
      let columns = ViewRows.sortColumns(table, self)
      guard let c = columns.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else {
        return fail(
          ":sort \(Sanitize.short(argument, limit: 20)): expected one of \(columns.map(\.rawValue).joined(separator: ", "))"
        )
      }
      let item = selectedItem
      sorts[table] = TableSort(column: c, descending: c.startsDescending)
      follow(item)
      status = "sorted by \(sort(for: table).title)"
    case "export", "e", "w":
      if let missing = need("a file path") { return missing }
      return [.exportTo(argument)]
    case "goto", "g", "seek":
      guard isReplay, let start = replayStartMs, let end = replayEndMs else {
        return fail(":goto moves through replays; this source is live")
      }
      if let missing = need("a time: 12:05, 12:05:30, 2025-03-01T12:05:00Z, start or end") { return missing }
      guard let ms = GotoTarget.ms(argument, startMs: start, endMs: end) else {
        return fail(":goto \(Sanitize.short(argument, limit: 30)): expected 12:05, 12:05:30, a date-time, start or end")
      }
      guard ms >= start - 1000 && ms <= end + 1000 else {
        return fail(
          ":goto \(Sanitize.short(argument, limit: 30)): the recording runs from \(Renderer.clock(start)) to \(Renderer.clock(end))"
        )
      }
      return [.seek(min(max(ms, start), end))]
    default:
      return fail("unknown command ':\(Sanitize.short(name, limit: 20))' (Tab completes; :help lists the commands)")
    }
    return []
  }
}
