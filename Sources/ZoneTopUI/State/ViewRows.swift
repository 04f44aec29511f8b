import Synchronization
import ZoneTopTraffic

/// Rows of the table views and the drill-down, shared by rendering, keys and export.
public enum ViewRows {
  /// The rows last sorted for the Flows and Services views, with the report and sort they
  /// came from: one key asks for them several times (the row count, the selection, the
  /// frame), and sorting 50,000 hops takes about a second (`make bench ARGS=refresh`).
  private static let lastFlows = Mutex<(report: UInt64, sort: TableSort, rows: [(WorkloadHop, HopStats)])?>(nil)
  private static let lastServices = Mutex<(report: UInt64, sort: TableSort, rows: [ServiceLocality])?>(nil)

  /// Flows view: hops that cross zones or regions (or whose locality is unknown), sorted.
  public static func flowRows(_ r: TrafficReport, _ s: AppState) -> [(WorkloadHop, HopStats)] {
    let sort = s.sort(for: .flows)
    if let last = lastFlows.withLock({ $0 }), last.report == r.id, last.sort == sort { return last.rows }
    let rows = sortedFlowRows(r, sort)
    lastFlows.withLock { $0 = (r.id, sort, rows) }
    return rows
  }

  private static func sortedFlowRows(_ r: TrafficReport, _ sort: TableSort) -> [(WorkloadHop, HopStats)] {
    let rows = r.hops.filter { $0.value.crossBytes > 0 || ($0.value.byScope[.unknown] ?? 0) > 0 }
    return sorted(
      Array(rows), sort,
      value: { row, column in
        let st = row.value
        switch column {
        case .sameZone: return .number(st.byScope[.sameZone] ?? 0)
        case .crossZone: return .number(st.byScope[.crossZone] ?? 0)
        case .crossRegion: return .number(st.byScope[.crossRegion] ?? 0)
        case .unknown: return .number(st.byScope[.unknown] ?? 0)
        case .share: return .number(st.crossBytes)
        case .request: return .number(st.forward)
        case .response: return .number(st.back)
        case .cost: return .number(st.costUSD, Double(st.crossBytes))
        default: return .text(hopName(row.key))
        }
      }, tiebreak: { hopName($0.key) + " " + $0.key.sourceCluster }
    ).map { ($0.key, $0.value) }
  }

  /// A hop's name as the tables sort it.
  static func hopName(_ h: WorkloadHop) -> String {
    "\(h.sourceNamespace)/\(h.sourceWorkload) → \(h.destinationService)"
  }

  /// Health view rows: targets in the order asked (by name at first); with a filter that matches
  /// target names (`/east` where targets are `CONTEXT/NODE`), only those.
  public static func healthRows(_ s: AppState) -> (rows: [TargetHealth], filtered: Bool) {
    let sorted = sorted(
      s.health, s.sort(for: .health),
      value: { h, column in
        switch column {
        case .state: return .text(h.up ? "up" : "DOWN")
        case .latency: return .number(h.lastLatency ?? -1)
        case .scrapes: return .number(Double(h.scrapes))
        case .failures: return .number(Double(h.failures))
        case .series: return .number(Double(h.series))
        case .invalid: return .number(Double(h.invalidLines + h.invalidCounterValues))
        case .restarts: return .number(Double(s.restarts[h.target] ?? 0))
        case .error: return .text(h.lastError ?? "")
        default: return .text(TargetName.short(h.target))
        }
      }, tiebreak: { TargetName.short($0.target) })
    let text = s.filter.lowercased()
    guard !text.isEmpty else { return (sorted, false) }
    let matching = sorted.filter { $0.target.lowercased().contains(text) }
    return matching.isEmpty ? (sorted, false) : (matching, true)
  }

  /// Services view rows, sorted.
  public static func serviceRows(_ r: TrafficReport, _ s: AppState) -> [ServiceLocality] {
    let sort = s.sort(for: .services)
    if let last = lastServices.withLock({ $0 }), last.report == r.id, last.sort == sort { return last.rows }
    let rows = sortedServiceRows(r, sort)
    lastServices.withLock { $0 = (r.id, sort, rows) }
    return rows
  }

  private static func sortedServiceRows(_ r: TrafficReport, _ sort: TableSort) -> [ServiceLocality] {
    sorted(
      Array(r.services.values), sort,
      value: { svc, column in
        let cross = (svc.byScope[.crossZone] ?? 0).addingSaturating(svc.byScope[.crossRegion] ?? 0)
        switch column {
        case .inZone: return .number(svc.inZoneShare ?? -1)
        case .crossZone: return .number(svc.byScope[.crossZone] ?? 0)
        case .crossRegion: return .number(svc.byScope[.crossRegion] ?? 0)
        case .bytes: return .number(svc.bytes)
        case .cost: return .number(svc.costUSD, Double(cross))
        default: return .text(svc.service)
        }
      }, tiebreak: \.service)
  }

  /// Namespaces view rows: by source namespace, then by destination namespace, each side sorted.
  public static func namespaceRows(_ r: TrafficReport, _ s: AppState) -> [NamespaceStats] {
    let all = r.namespaceStats
    return NamespaceSide.allCases.flatMap { side in
      sorted(
        all.filter { $0.side == side }, s.sort(for: .namespaces),
        value: { n, column in
          switch column {
          case .bytes: return .number(n.bytes)
          case .crossZone: return .number(n.byScope[.crossZone] ?? 0)
          case .crossRegion: return .number(n.byScope[.crossRegion] ?? 0)
          case .share: return .number(n.crossShare ?? -1)
          case .cost: return .number(n.costUSD, Double(n.bytes))
          default: return .text(n.namespace)
          }
        }, tiebreak: \.namespace)
    }
  }

  /// One line of a drill-down: bytes of one hop (or, for a service, of all its clients) from one
  /// place to another in one direction and scope.
  public struct DrillRow: Sendable, Identifiable {
    /// What makes a row: the places, the hop (nil: every hop of a service), the direction
    /// (nil: both) and the scope.
    public struct ID: Hashable, Sendable {
      public var from: String
      public var to: String
      public var hop: WorkloadHop?
      public var request: Bool?
      public var scope: Scope
    }
    /// Where the bytes start and end: zones (Zones cells, Flows and Services rows) or regions.
    public var from: String
    public var to: String
    /// The hop, or nil where the row adds up every hop to a service.
    public var hop: WorkloadHop?
    /// `true` for request bytes (source to destination), `false` for response bytes, nil for both.
    public var request: Bool?
    public var scope: Scope
    public var bytes: UInt64 = 0
    public var opened: UInt64 = 0
    /// What these bytes cost in the window.
    public var costUSD: Double = 0
    public var flows: Set<Int32> = []
    public var id: ID { ID(from: from, to: to, hop: hop, request: request, scope: scope) }

    /// The row's name: the hop for a matrix cell, the places for a hop or a service.
    public func name(_ kind: DrillKind) -> String {
      switch kind {
      case .zoneCell, .regionCell:
        guard let hop else { return "" }
        return "\(hop.sourceNamespace)/\(hop.sourceWorkload) → \(hop.destinationService)"
      case .hop, .service: return "\(from) → \(to)"
      }
    }
  }

  /// What a drill-down lists.
  public enum DrillKind: Sendable, Equatable {
    /// The hops of a Zones cell.
    case zoneCell(ZonePair)
    /// The hops of a Regions cell, split by scope (a same-region cell holds same-zone and cross-zone bytes).
    case regionCell(RegionPair)
    /// A Flows row: the hop's zone pairs.
    case hop(WorkloadHop)
    /// A Services row: its clients by source zone (and the zone they reach).
    case service(String)
  }

  /// How every view spells a zone or region that is not known (no locality labels).
  public static let unknown = "unknown"

  /// A zone's name as the views show it.
  public static func zoneName(_ l: Locality) -> String { l.isUnknown ? unknown : l.zone }

  /// The drill-down's rows in byte order.
  static func drillRows(_ r: TrafficReport, kind: DrillKind) -> [DrillRow] {
    var rows: [DrillRow.ID: DrillRow] = [:]
    let pricing = r.options.pricing
    func add(_ id: DrillRow.ID, bytes: UInt64, opened: UInt64, flow: Int32, cost: Double) {
      var row =
        rows[id] ?? DrillRow(from: id.from, to: id.to, hop: id.hop, request: id.request, scope: id.scope)
      row.bytes.addSaturating(bytes)
      row.opened.addSaturating(opened)
      row.costUSD += cost
      row.flows.insert(flow)
      rows[id] = row
    }
    for (flow, c) in r.counted {
      let k = r.flows[flow]
      let hop = k.workloadHop
      // Request bytes go from the flow's source to its destination, response bytes back.
      let scope = Scope.of(k.source, k.destination)
      let requestCost = pricing.cost(bytes: c.received, from: k.source, to: k.destination, scope: scope)
      let responseCost = pricing.cost(bytes: c.sent, from: k.destination, to: k.source, scope: scope)
      let src = zoneName(k.source)
      let dst = zoneName(k.destination)
      func both(_ from: String, _ to: String, hop: WorkloadHop?, when: (String, String) -> Bool) {
        if when(from, to) && (c.received > 0 || c.opened > 0) {
          let id = DrillRow.ID(from: from, to: to, hop: hop, request: true, scope: scope)
          add(id, bytes: c.received, opened: c.opened, flow: flow, cost: requestCost)
        }
        if when(to, from) && c.sent > 0 {
          let id = DrillRow.ID(from: to, to: from, hop: hop, request: false, scope: scope)
          add(id, bytes: c.sent, opened: 0, flow: flow, cost: responseCost)
        }
      }
      switch kind {
      case .zoneCell(let p):
        let (a, b) = (zoneName(p.from), zoneName(p.to))
        both(src, dst, hop: hop) { $0 == a && $1 == b }
      case .regionCell(let p):
        both(k.source.region, k.destination.region, hop: hop) { $0 == p.from && $1 == p.to }
      case .hop(let h):
        guard hop == h else { continue }
        both(src, dst, hop: hop) { _, _ in true }
      case .service(let service):
        guard k.destinationService == service, c.bytes > 0 || c.opened > 0 else { continue }
        let id = DrillRow.ID(from: src, to: dst, hop: nil, request: nil, scope: scope)
        add(id, bytes: c.bytes, opened: c.opened, flow: flow, cost: requestCost + responseCost)
      }
    }
    return rows.values.sorted { a, b in
      (a.bytes, b.name(kind), b.request == false ? 1 : 0) > (b.bytes, a.name(kind), a.request == false ? 1 : 0)
    }
  }

  /// The drill-down's rows, in the order the sort asks for (`<` `>` `I` change it there too).
  public static func drillRows(_ r: TrafficReport, _ s: AppState) -> [DrillRow] {
    guard let kind = s.drillKind else { return [] }
    let direction: (DrillRow) -> String = { $0.request.map { $0 ? "req" : "resp" } ?? "both" }
    return sorted(
      drillRows(r, kind: kind), s.sort(for: .drill),
      value: { row, column in
        switch column {
        case .direction: return .text(direction(row))
        case .scope: return .text(row.scope.rawValue)
        case .bytes: return .number(row.bytes)
        case .cost: return .number(row.costUSD, Double(row.bytes))
        case .connections: return .number(row.opened)
        default: return .text(row.name(kind))
        }
      }, tiebreak: { "\($0.name(kind)) \(direction($0)) \($0.scope.rawValue)" })
  }
}
