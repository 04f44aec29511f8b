/// Which end of the traffic a namespace row adds up.
public enum NamespaceSide: String, Sendable, CaseIterable {
  /// The namespace whose workloads send the requests (who causes the bytes that cost money).
  case source
  /// The namespace of the destination workloads (who serves them), for showback.
  case destination
}

/// Bytes and cost of the traffic from (or to) one namespace in a window: both directions of
/// each hop, priced as the zone pairs are.
public struct NamespaceStats: Sendable, Equatable {
  public var namespace: String
  public var side: NamespaceSide
  public var byScope: [Scope: UInt64] = [:]
  public var opened: UInt64 = 0
  public var costUSD: Double = 0

  public init(namespace: String, side: NamespaceSide) {
    self.namespace = namespace
    self.side = side
  }

  public var bytes: UInt64 { byScope.values.reduce(0) { $0.addingSaturating($1) } }
  public var crossBytes: UInt64 { (byScope[.crossZone] ?? 0).addingSaturating(byScope[.crossRegion] ?? 0) }
  /// The part of its bytes of known locality that crosses zones or regions (nil when none is known).
  public var crossShare: Double? {
    let known = bytes - (byScope[.unknown] ?? 0)
    return known > 0 ? Double(crossBytes) / Double(known) : nil
  }
}

extension TrafficReport {
  /// Cost by source namespace, then by destination namespace; each side adds up to the whole
  /// window (costliest first, then by bytes and name).
  public var namespaceStats: [NamespaceStats] {
    var rows: [NamespaceSide: [String: NamespaceStats]] = [:]
    let pricing = options.pricing
    for (flow, c) in counted {
      let k = flows[flow]
      let scope = Scope.of(k.source, k.destination)
      var cost =
        pricing.cost(bytes: c.received, from: k.source, to: k.destination, scope: scope)
        + pricing.cost(bytes: c.sent, from: k.destination, to: k.source, scope: scope)
      if options.egressAsInternet && k.isEgress { cost += pricing.internetCost(bytes: c.received) }
      for (side, ns) in [(NamespaceSide.source, k.sourceNamespace), (.destination, k.destinationNamespace)] {
        var row = rows[side, default: [:]][ns] ?? NamespaceStats(namespace: ns, side: side)
        row.byScope[scope, default: 0].addSaturating(c.bytes)
        row.opened.addSaturating(c.opened)
        row.costUSD += cost
        rows[side, default: [:]][ns] = row
      }
    }
    return NamespaceSide.allCases.flatMap { side in
      (rows[side] ?? [:]).values.filter { $0.bytes > 0 || $0.opened > 0 }.sorted {
        ($1.costUSD, $1.bytes, $0.namespace) < ($0.costUSD, $0.bytes, $1.namespace)
      }
    }
  }
}
