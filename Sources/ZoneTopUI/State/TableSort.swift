import ZoneTopTraffic

/// The tables whose rows sort by a column (keys `<` `>` and `I`).
public enum Table: Hashable, Sendable {
  case flows, services, namespaces, health, drill

  /// What each table is sorted by until the user picks a column: the cost, the targets by name.
  public var defaultSort: TableSort {
    self == .health ? TableSort(column: .name, descending: false) : TableSort(column: .cost, descending: true)
  }
}

/// A column rows sort by; a table lists the ones it shows (`ViewRows.sortColumns`).
public enum SortColumn: String, CaseIterable, Sendable {
  case name, direction, scope, sameZone, crossZone, crossRegion, unknown, inZone, share, bytes, cost, request
  case response, connections, state, latency, scrapes, failures, series, invalid, restarts, error

  /// Words for the status line and the table titles.
  public var title: String {
    switch self {
    case .name: "name"
    case .direction: "direction"
    case .scope: "scope"
    case .sameZone: "same-zone bytes"
    case .crossZone: "cross-zone bytes"
    case .crossRegion: "cross-region bytes"
    case .unknown: "unknown-locality bytes"
    case .inZone: "in-zone share"
    case .share: "share of crossing bytes"
    case .bytes: "bytes"
    case .cost: "cost"
    case .request: "request bytes"
    case .response: "response bytes"
    case .connections: "connections"
    case .state: "state"
    case .latency: "latency"
    case .scrapes: "scrapes"
    case .failures: "failures"
    case .series: "series"
    case .invalid: "invalid lines"
    case .restarts: "restarts"
    case .error: "last error"
    }
  }

  /// Text columns start A to Z, numbers biggest first (what one looks for first in each).
  public var startsDescending: Bool {
    switch self {
    case .name, .direction, .scope, .error, .state: false
    default: true
    }
  }
}

/// A table's sort: the column and the direction.
public struct TableSort: Equatable, Sendable {
  public var column: SortColumn
  public var descending: Bool

  public init(column: SortColumn, descending: Bool) {
    self.column = column
    self.descending = descending
  }

  /// `cost ▼`: the column's words and an arrow pointing the way the values go down the table.
  public var title: String { "\(column.title) \(descending ? "▼" : "▲")" }
}

/// A value rows are ordered by: numbers (a second one breaks ties) or text.
enum SortValue: Comparable {
  case number(Double, Double)
  case text(String)

  static func number(_ v: Double) -> SortValue { .number(v, 0) }
  static func number(_ v: UInt64) -> SortValue { .number(Double(v), 0) }
}

extension ViewRows {
  /// Sorts `rows` by `sort`; ties go by `tiebreak` A to Z in either direction, so the order is
  /// the same every refresh.
  static func sorted<T>(
    _ rows: [T], _ sort: TableSort, value: (T, SortColumn) -> SortValue, tiebreak: (T) -> String
  ) -> [T] {
    let keys = rows.map { (value($0, sort.column), tiebreak($0)) }
    let order = keys.indices.sorted { a, b in
      let (va, ta) = keys[a]
      let (vb, tb) = keys[b]
      if va != vb { return sort.descending ? va > vb : va < vb }
      if ta != tb { return ta < tb }
      return a < b
    }
    return order.map { rows[$0] }
  }

  /// The columns of `table` one can sort by, left to right as on screen.
  public static func sortColumns(_ table: Table, _ s: AppState) -> [SortColumn] {
    switch table {
    case .flows:
      let hasUnknown = s.report?.hops.values.contains { ($0.byScope[.unknown] ?? 0) > 0 } ?? false
      return [.name, .sameZone, .crossZone, .crossRegion] + (hasUnknown ? [.unknown] : [])
        + [.share, .cost, .request, .response]
    case .services: return [.name, .inZone, .crossZone, .crossRegion, .cost]
    case .namespaces: return [.name, .bytes, .crossZone, .crossRegion, .share, .cost]
    case .health: return [.name, .state, .latency, .scrapes, .failures, .series, .invalid, .restarts, .error]
    case .drill:
      return [.name, .direction, .scope] + (s.units == .cost ? [.cost, .bytes] : [.bytes, .cost]) + [.connections]
    }
  }
}

/// The item a table's selection is on, so it stays on it when rows move (a refresh, a new sort).
public enum ItemKey: Hashable, Sendable {
  case hop(WorkloadHop)
  case service(String)
  case namespace(NamespaceSide, String)
  case target(String)
  case drill(ViewRows.DrillRow.ID)
}
