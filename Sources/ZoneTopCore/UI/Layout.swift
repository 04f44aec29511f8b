/// Rows of the table views and the drill-down, shared by rendering, keys and export.
public enum Layout {
  /// Flows view: hops that cross zones or regions (or whose locality is unknown), sorted.
  public static func flowRows(_ r: TrafficReport, _ s: AppState) -> [(WorkloadHop, HopStats)] {
    let rows = r.hops.filter { $0.value.crossBytes > 0 || ($0.value.byScope[.unknown] ?? 0) > 0 }
    return rows.sorted { a, b in
      switch s.sortKey {
      case .cost: return (a.value.costUSD, a.value.crossBytes, b.key.sourceWorkload) > (b.value.costUSD, b.value.crossBytes, a.key.sourceWorkload)
      case .cross: return (a.value.crossBytes, b.key.sourceWorkload) > (b.value.crossBytes, a.key.sourceWorkload)
      case .bytes: return (a.value.bytes, b.key.sourceWorkload) > (b.value.bytes, a.key.sourceWorkload)
      case .name: return (a.key.sourceNamespace, a.key.sourceWorkload, a.key.destinationService) < (b.key.sourceNamespace, b.key.sourceWorkload, b.key.destinationService)
      }
    }
  }

  /// Services view rows, sorted.
  public static func serviceRows(_ r: TrafficReport, _ s: AppState) -> [ServiceLocality] {
    r.services.values.sorted { a, b in
      let ac = (a.byScope[.crossZone] ?? 0) &+ (a.byScope[.crossRegion] ?? 0)
      let bc = (b.byScope[.crossZone] ?? 0) &+ (b.byScope[.crossRegion] ?? 0)
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
    public var flows: Set<Int32>
  }

  /// The hops whose bytes make up a matrix cell (zones, or regions when `regions`).
  public static func drillRows(_ r: TrafficReport, from: String, to: String, regions: Bool, fromZone: Locality? = nil, toZone: Locality? = nil) -> [DrillRow] {
    var rows: [String: DrillRow] = [:]
    for (id, c) in r.counted {
      let k = r.flows[id]
      let src = regions ? k.source.region : k.source.zone + "\u{0}" + k.source.region
      let dst = regions ? k.destination.region : k.destination.zone + "\u{0}" + k.destination.region
      let a = regions ? from : (fromZone.map { $0.zone + "\u{0}" + $0.region } ?? from)
      let b = regions ? to : (toZone.map { $0.zone + "\u{0}" + $0.region } ?? to)
      let hop = WorkloadHop(sourceWorkload: k.sourceWorkload, sourceNamespace: k.sourceNamespace, destinationService: k.destinationService)
      if src == a && dst == b && (c.received > 0 || c.opened > 0) {
        let key = "\(hop.sourceNamespace)/\(hop.sourceWorkload)>\(hop.destinationService)>req"
        var row = rows[key] ?? DrillRow(hop: hop, request: true, bytes: 0, opened: 0, flows: [])
        row.bytes &+= c.received
        row.opened &+= c.opened
        row.flows.insert(id)
        rows[key] = row
      }
      if src == b && dst == a && c.sent > 0 {
        let key = "\(hop.sourceNamespace)/\(hop.sourceWorkload)>\(hop.destinationService)>resp"
        var row = rows[key] ?? DrillRow(hop: hop, request: false, bytes: 0, opened: 0, flows: [])
        row.bytes &+= c.sent
        row.flows.insert(id)
        rows[key] = row
      }
    }
    return rows.values.sorted { ($0.bytes, $1.hop.sourceWorkload) > ($1.bytes, $0.hop.sourceWorkload) }
  }

  /// Drill-down rows of the state's open cell.
  public static func drillRows(_ r: TrafficReport, _ s: AppState) -> [DrillRow] {
    if let d = s.drill { return drillRows(r, from: "", to: "", regions: false, fromZone: d.from, toZone: d.to) }
    if let d = s.drillRegion { return drillRows(r, from: d.from, to: d.to, regions: true) }
    return []
  }
}
