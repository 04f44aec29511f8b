import ZoneTopTraffic

/// Rows of the table views and the drill-down, shared by rendering, keys and export.
public enum ViewRows {
  /// Flows view: hops that cross zones or regions (or whose locality is unknown), sorted.
  public static func flowRows(_ r: TrafficReport, _ s: AppState) -> [(WorkloadHop, HopStats)] {
    let rows = r.hops.filter { $0.value.crossBytes > 0 || ($0.value.byScope[.unknown] ?? 0) > 0 }
    return rows.sorted { a, b in
      switch s.sortKey {
      case .cost:
        return (a.value.costUSD, a.value.crossBytes, b.key.sourceWorkload) > (
          b.value.costUSD, b.value.crossBytes, a.key.sourceWorkload
        )
      case .cross: return (a.value.crossBytes, b.key.sourceWorkload) > (b.value.crossBytes, a.key.sourceWorkload)
      case .bytes: return (a.value.bytes, b.key.sourceWorkload) > (b.value.bytes, a.key.sourceWorkload)
      case .name:
        return (a.key.sourceNamespace, a.key.sourceWorkload, a.key.destinationService) < (
          b.key.sourceNamespace, b.key.sourceWorkload, b.key.destinationService
        )
      }
    }
  }

  /// Services view rows, sorted.
  public static func serviceRows(_ r: TrafficReport, _ s: AppState) -> [ServiceLocality] {
    r.services.values.sorted { a, b in
      let ac = (a.byScope[.crossZone] ?? 0).addingSaturating(a.byScope[.crossRegion] ?? 0)
      let bc = (b.byScope[.crossZone] ?? 0).addingSaturating(b.byScope[.crossRegion] ?? 0)
      switch s.sortKey {
      case .cost: return (a.costUSD, ac, b.service) > (b.costUSD, bc, a.service)
      case .cross: return (ac, b.service) > (bc, a.service)
      case .bytes: return (a.bytes, b.service) > (b.bytes, a.service)
      case .name: return a.service < b.service
      }
    }
  }

  /// One line of a drill-down: a hop's bytes in the cell's direction.
  public struct DrillRow: Sendable {
    public var hop: WorkloadHop
    /// `true` for request bytes (source to destination), `false` for response bytes.
    public var request: Bool
    public var bytes: UInt64
    public var opened: UInt64
    /// What these bytes cost in the window.
    public var costUSD: Double = 0
    public var flows: Set<Int32>
  }

  /// The hops whose bytes flow from `from` to `to`, where `place` says where a flow end is
  /// (its zone for the Zones matrix, its region for Regions).
  static func drillRows<Place: Equatable>(_ r: TrafficReport, from: Place, to: Place, place: (Locality) -> Place)
    -> [DrillRow]
  {
    var rows: [DrillKey: DrillRow] = [:]
    let pricing = r.options.pricing
    func add(_ hop: WorkloadHop, request: Bool, bytes: UInt64, opened: UInt64, flow: Int32, cost: Double) {
      let key = DrillKey(hop: hop, request: request)
      var row = rows[key] ?? DrillRow(hop: hop, request: request, bytes: 0, opened: 0, flows: [])
      row.bytes.addSaturating(bytes)
      row.opened.addSaturating(opened)
      row.costUSD += cost
      row.flows.insert(flow)
      rows[key] = row
    }
    for (id, c) in r.counted {
      let k = r.flows[id]
      let src = place(k.source)
      let dst = place(k.destination)
      let hop = k.workloadHop
      // Request bytes go from the flow's source to its destination, response bytes back.
      let scope = Scope.of(k.source, k.destination)
      if src == from && dst == to && (c.received > 0 || c.opened > 0) {
        let cost = pricing.cost(bytes: c.received, from: k.source, to: k.destination, scope: scope)
        add(hop, request: true, bytes: c.received, opened: c.opened, flow: id, cost: cost)
      }
      if src == to && dst == from && c.sent > 0 {
        let cost = pricing.cost(bytes: c.sent, from: k.destination, to: k.source, scope: scope)
        add(hop, request: false, bytes: c.sent, opened: 0, flow: id, cost: cost)
      }
    }
    return rows.values.sorted { ($0.bytes, $1.hop.sourceWorkload) > ($1.bytes, $0.hop.sourceWorkload) }
  }

  private struct DrillKey: Hashable {
    var hop: WorkloadHop
    var request: Bool
  }

  /// The drill-down's rows, in the order the sort key asks for (`s` changes it there too).
  public static func drillRows(_ r: TrafficReport, _ s: AppState) -> [DrillRow] {
    let rows: [DrillRow]
    if let d = s.drill {
      rows = drillRows(r, from: d.from, to: d.to) { $0 }
    } else if let d = s.drillRegion {
      rows = drillRows(r, from: d.from, to: d.to) { $0.region }
    } else {
      return []
    }
    func name(_ row: DrillRow) -> String {
      row.hop.sourceNamespace + "/" + row.hop.sourceWorkload + row.hop.destinationService
    }
    switch s.sortKey {
    case .cost: return rows.sorted { ($0.costUSD, $0.bytes, name($1)) > ($1.costUSD, $1.bytes, name($0)) }
    case .cross, .bytes: return rows.sorted { ($0.bytes, name($1)) > ($1.bytes, name($0)) }
    case .name: return rows.sorted { (name($0), $0.request ? 0 : 1) < (name($1), $1.request ? 0 : 1) }
    }
  }
}
