import Synchronization
import ZoneTopExposition

/// Which flows to include.
public struct FlowFilter: Sendable, Equatable {
  /// Only flows whose source or destination namespace is this.
  public var namespace: String?
  /// Only flows whose source or destination cluster is this.
  public var cluster: String?
  /// Only flows whose source or destination zone is this.
  public var zone: String?
  /// Only flows whose workloads, namespaces, service, clusters, zones or regions contain this text
  /// (case-insensitive).
  public var text: String?

  public init(namespace: String? = nil, cluster: String? = nil, zone: String? = nil, text: String? = nil) {
    self.namespace = namespace
    self.cluster = cluster
    self.zone = zone
    self.text = text
  }

  public func matches(_ k: FlowKey) -> Bool {
    if let ns = namespace, k.sourceNamespace != ns && k.destinationNamespace != ns { return false }
    if let c = cluster, k.sourceCluster != c && k.destinationCluster != c { return false }
    if let z = zone, k.source.zone != z && k.destination.zone != z { return false }
    if let t = text?.lowercased(), !t.isEmpty {
      let fields = [
        k.sourceWorkload, k.sourceNamespace, k.destinationWorkload, k.destinationNamespace, k.destinationService,
        k.sourceCluster, k.destinationCluster, k.source.zone, k.source.region, k.destination.zone,
        k.destination.region,
      ]
      if !fields.contains(where: { $0.lowercased().contains(t) }) { return false }
    }
    return true
  }
}

/// Report options: policy, filter, pricing.
public struct ReportOptions: Sendable {
  public var policy: ReporterPolicy = .auto
  public var filter = FlowFilter()
  public var pricing: PricingProfile = .aws
  /// Price traffic to destinations outside the mesh as internet egress.
  public var egressAsInternet = false
  /// Only the zone pairs and the totals (cost, bytes by scope).
  ///
  /// No hops, services, regions or clusters: what a point of the cost-over-time graph needs, in about a third of the time.
  public var zonesOnly = false

  public init(
    policy: ReporterPolicy = .auto, filter: FlowFilter = FlowFilter(), pricing: PricingProfile = .aws,
    egressAsInternet: Bool = false
  ) {
    self.policy = policy
    self.filter = filter
    self.pricing = pricing
    self.egressAsInternet = egressAsInternet
  }
}

/// Bytes, connections and cost of one directional pair (zones or regions) in a window.
public struct PairStats: Sendable, Equatable {
  public var bytes: UInt64 = 0
  public var connectionsOpened: UInt64 = 0
  public var costUSD: Double = 0
}

extension Dictionary where Value == PairStats {
  /// Adds `stats` to `key`'s entry, unless it carries neither bytes nor connections.
  mutating func accumulate(_ key: Key, _ stats: PairStats) {
    guard stats.bytes > 0 || stats.connectionsOpened > 0 else { return }
    self[key, default: PairStats()].bytes.addSaturating(stats.bytes)
    self[key, default: PairStats()].connectionsOpened.addSaturating(stats.connectionsOpened)
    self[key, default: PairStats()].costUSD += stats.costUSD
  }
}

/// A directional pair of localities.
public struct ZonePair: Hashable, Sendable {
  public var from: Locality
  public var to: Locality
  public init(from: Locality, to: Locality) {
    self.from = from
    self.to = to
  }
  public var scope: Scope { Scope.of(from, to) }
}

/// A directional pair of regions.
public struct RegionPair: Hashable, Sendable {
  public var from: String
  public var to: String
  public init(from: String, to: String) {
    self.from = from
    self.to = to
  }
  public var scope: Scope {
    if from == "unknown" || to == "unknown" { return .unknown }
    return from == to ? .sameZone : .crossRegion
  }
}

/// A directional pair of clusters, split by whether the bytes cross regions.
public struct ClusterPair: Hashable, Sendable {
  public var from: String
  public var to: String
  /// `sameZone` stands for "same region" here, as for `RegionPair`.
  public var scope: Scope
  public init(from: String, to: String, scope: Scope) {
    self.from = from
    self.to = to
    self.scope = scope
  }
}

/// What the counting rules did with hops through east-west gateways (see the README's
/// "Counting rules").
public struct GatewayStats: Sendable, Equatable {
  /// Client-side flows whose destination is a gateway (the far side unnamed).
  public var toGatewayFlows = 0
  /// Server-side flows whose source is a gateway (a client ztunnel older than the server's).
  public var fromGatewayFlows = 0
  /// Bytes counted from the client side with the far side's locality unknown.
  public var bytesWithoutFarLocality: UInt64 = 0
  /// Client-side gateway bytes left out because the server side, with both localities, was counted.
  public var bytesCountedFromServerSide: UInt64 = 0
  /// Server-side bytes from a gateway left out because the client side was counted.
  public var fromGatewayBytesDropped: UInt64 = 0

  public init() {}
}

/// Source workload, namespace and cluster to destination service: a row of the Flows view.
public struct WorkloadHop: Hashable, Sendable {
  public var sourceWorkload: String
  public var sourceNamespace: String
  public var destinationService: String
  public var sourceCluster: String

  public init(
    sourceWorkload: String, sourceNamespace: String, destinationService: String, sourceCluster: String = "unknown"
  ) {
    self.sourceWorkload = sourceWorkload
    self.sourceNamespace = sourceNamespace
    self.destinationService = destinationService
    self.sourceCluster = sourceCluster
  }

  /// `namespace/workload`, with `cluster:` before it when `qualified` (the name repeats across clusters).
  public func sourceName(qualified: Bool) -> String {
    (qualified ? sourceCluster + ":" : "") + sourceNamespace + "/" + sourceWorkload
  }
}

/// Traffic of one workload hop in a window, split by scope.
public struct HopStats: Sendable {
  public var forward: UInt64 = 0
  public var back: UInt64 = 0
  public var opened: UInt64 = 0
  public var byScope: [Scope: UInt64] = [:]
  public var costUSD: Double = 0
  /// Flow ids counted for this hop (for drill-down and history).
  public var flows: [Int32] = []
  public var bytes: UInt64 { forward.addingSaturating(back) }
  public var crossBytes: UInt64 { (byScope[.crossZone] ?? 0).addingSaturating(byScope[.crossRegion] ?? 0) }
}

/// Per destination service: how much of its traffic stays in its zone.
public struct ServiceLocality: Sendable {
  public var service: String
  public var byScope: [Scope: UInt64] = [:]
  public var costUSD: Double = 0
  public var bytes: UInt64 { byScope.values.reduce(0) { $0.addingSaturating($1) } }
  /// Share of bytes with known locality that stay in-zone (nil when none is known).
  public var inZoneShare: Double? {
    let known = bytes - (byScope[.unknown] ?? 0)
    return known > 0 ? Double(byScope[.sameZone] ?? 0) / Double(known) : nil
  }
}

/// The last report id given out.
private let reportIDs = Atomic<UInt64>(0)

/// Everything the views and exports show for one window: the counting rules applied.
public struct TrafficReport: Sendable {
  /// Different for every report made and after any change to its hops or services (copies
  /// share it): what views key the rows they sort on.
  public private(set) var id = TrafficReport.newID()
  public var options: ReportOptions
  public var windowStartMs: Int64
  public var windowEndMs: Int64
  public var zonePairs: [ZonePair: PairStats] = [:]
  public var regionPairs: [RegionPair: PairStats] = [:]
  public var clusterPairs: [ClusterPair: PairStats] = [:]
  public var hops: [WorkloadHop: HopStats] = [:] { didSet { id = Self.newID() } }
  public var services: [String: ServiceLocality] = [:] { didSet { id = Self.newID() } }
  /// Bytes not counted because the other reporter's copy of the same hop was counted.
  public var duplicateBytesDropped: UInt64 = 0
  /// Hops through east-west gateways.
  public var gateway = GatewayStats()
  /// Bytes whose source or destination locality is unknown.
  public var unknownLocalityBytes: UInt64 = 0
  /// Internet egress cost (only with `egressAsInternet`).
  public var internetCostUSD: Double = 0
  /// Flows counted, with the counts used, for drill-down.
  public var counted: [(Int32, Counts)] = []
  /// The flow table the ids refer to.
  public var flows = FlowTable()

  private static func newID() -> UInt64 { reportIDs.add(1, ordering: .relaxed).newValue }

  public var windowSeconds: Double { Double(max(0, windowEndMs - windowStartMs)) / 1000 }

  /// Bytes per scope.
  public var bytesByScope: [Scope: UInt64] {
    var out: [Scope: UInt64] = [:]
    for (pair, stats) in zonePairs { out[pair.scope, default: 0].addSaturating(stats.bytes) }
    return out
  }

  public var totalCostUSD: Double { zonePairs.values.reduce(0) { $0 + $1.costUSD } + internetCostUSD }

  public func perSecond(_ bytes: UInt64) -> Double { windowSeconds > 0 ? Double(bytes) / windowSeconds : 0 }
  public func perMonth(_ cost: Double) -> Double { PricingProfile.perMonth(cost, overSeconds: windowSeconds) }

  /// Zones in display order: grouped by region, unknown last.
  public var zones: [Locality] {
    var set = Set<Locality>()
    for p in zonePairs.keys {
      set.insert(p.from)
      set.insert(p.to)
    }
    return set.sorted()
  }

  public var regions: [String] {
    var set = Set<String>()
    for p in regionPairs.keys {
      set.insert(p.from)
      set.insert(p.to)
    }
    return set.sorted { ($0 == "unknown" ? 1 : 0, $0) < ($1 == "unknown" ? 1 : 0, $1) }
  }

  /// `namespace/workload` names that send from more than one cluster: shown with their cluster.
  public var workloadNamesInSeveralClusters = Set<String>()

  /// A hop's source as shown: `namespace/workload`, or `cluster:namespace/workload` where the
  /// name sends from several clusters.
  public func sourceName(_ hop: WorkloadHop) -> String {
    let name = hop.sourceName(qualified: false)
    return workloadNamesInSeveralClusters.contains(name) ? hop.sourceName(qualified: true) : name
  }

  /// The names of `hops` that send from more than one cluster.
  static func namesInSeveralClusters(_ hops: some Sequence<WorkloadHop>) -> Set<String> {
    var clusters: [String: String] = [:]
    var repeated = Set<String>()
    for hop in hops {
      let name = hop.sourceName(qualified: false)
      if let seen = clusters[name] {
        if seen != hop.sourceCluster { repeated.insert(name) }
      } else {
        clusters[name] = hop.sourceCluster
      }
    }
    return repeated
  }
}

/// Applies the counting rules to per-flow counts.
public enum Aggregator {
  /// Builds the report for a window from per-flow counts (`counts[id]`; `present[id]`
  /// when the flow's series were seen in the window, even with no increase).
  public static func report(
    flows: FlowTable, counts: [Counts], present: [Bool], windowStartMs: Int64,
    windowEndMs: Int64, options: ReportOptions
  ) -> TrafficReport {
    var report = TrafficReport(options: options, windowStartMs: windowStartMs, windowEndMs: windowEndMs)
    report.flows = flows
    let chosen = chooseSides(
      flows: flows, counts: counts, present: present, options: options, dropped: &report.duplicateBytesDropped,
      gateway: &report.gateway)
    let pricing = options.pricing
    for id in chosen {
      let key = flows[id]
      let c = counts[Int(id)]
      report.counted.append((id, c))
      let forward = ZonePair(from: key.source, to: key.destination)
      let back = ZonePair(from: key.destination, to: key.source)
      let scope = forward.scope
      let forwardCost = pricing.cost(bytes: c.received, from: key.source, to: key.destination, scope: scope)
      let backCost = pricing.cost(bytes: c.sent, from: key.destination, to: key.source, scope: scope)
      // Request bytes and connections go source -> destination, response bytes back.
      let toDestination = PairStats(bytes: c.received, connectionsOpened: c.opened, costUSD: forwardCost)
      let toSource = PairStats(bytes: c.sent, connectionsOpened: 0, costUSD: backCost)
      report.zonePairs.accumulate(forward, toDestination)
      report.zonePairs.accumulate(back, toSource)
      var internet = 0.0
      if options.egressAsInternet && key.isEgress { internet = pricing.internetCost(bytes: c.received) }
      report.internetCostUSD += internet
      if scope == .unknown { report.unknownLocalityBytes.addSaturating(c.bytes) }
      if options.zonesOnly { continue }
      report.regionPairs.accumulate(RegionPair(from: key.source.region, to: key.destination.region), toDestination)
      report.regionPairs.accumulate(RegionPair(from: key.destination.region, to: key.source.region), toSource)
      let regionScope = RegionPair(from: key.source.region, to: key.destination.region).scope
      report.clusterPairs.accumulate(
        ClusterPair(from: key.sourceCluster, to: key.destinationCluster, scope: regionScope), toDestination)
      report.clusterPairs.accumulate(
        ClusterPair(from: key.destinationCluster, to: key.sourceCluster, scope: regionScope), toSource)
      let hopKey = key.workloadHop
      // Updated in place: a copy taken out of the dictionary and stored back would copy
      // the hop's flow list on every append.
      Self.update(&report.hops[hopKey, default: HopStats()]) { hop in
        hop.forward.addSaturating(c.received)
        hop.back.addSaturating(c.sent)
        hop.opened.addSaturating(c.opened)
        hop.byScope[scope, default: 0].addSaturating(c.bytes)
        hop.costUSD += forwardCost + backCost + internet
        hop.flows.append(id)
      }
      Self.update(&report.services[key.destinationService, default: ServiceLocality(service: key.destinationService)]) {
        svc in
        svc.byScope[scope, default: 0].addSaturating(c.bytes)
        svc.costUSD += forwardCost + backCost + internet
      }
    }
    report.workloadNamesInSeveralClusters = TrafficReport.namesInSeveralClusters(report.hops.keys)
    return report
  }

  /// A client of a service through an east-west gateway: what pairs a client-side series to
  /// the gateway with the server side's series of the same bytes.
  private struct GatewayClient: Hashable {
    var cluster: String
    var workload: String
    var namespace: String
    var service: String
  }

  /// The flows counted under the policy; `dropped` gets the bytes of the other side.
  ///
  /// The two sides of a hop pair by `HopKey` (both ends' cluster, workload and namespace):
  /// the source side is counted where any ztunnel reports it, else the destination side,
  /// and the destination side where only it has locality labels. Under `auto`, hops through
  /// an east-west gateway follow two more rules (the README's "Counting rules" says why):
  /// a client-side flow to a gateway gives way to an unpaired server side of the same client
  /// and service in another cluster, which names both ends; and a server-side flow whose
  /// source is a gateway gives way to the client side of the same service.
  static func chooseSides(
    flows: FlowTable, counts: [Counts], present: [Bool], options: ReportOptions,
    dropped: inout UInt64, gateway: inout GatewayStats
  ) -> [Int32] {
    struct Sides {
      var source: [Int32] = []
      var destination: [Int32] = []
      var sourceLacksLocality = false
      var destinationHasLocality = false
    }
    func bytes(_ id: Int32) -> UInt64 { Int(id) < counts.count ? counts[Int(id)].bytes : 0 }
    let live = (0..<Int32(min(flows.count, present.count))).filter {
      present[Int($0)] && options.filter.matches(flows[$0])
    }
    let auto = options.policy == .auto
    var toGateway: [GatewayClient: [Int32]] = [:]
    var gatewayPrincipals = Set<String>()
    var gatewayServices = Set<String>()
    if auto {
      for id in live where flows[id].isToGateway {
        let key = flows[id]
        let client = GatewayClient(
          cluster: key.sourceCluster, workload: key.sourceWorkload, namespace: key.sourceNamespace,
          service: key.destinationService)
        toGateway[client, default: []].append(id)
        gatewayPrincipals.insert(key.destinationPrincipal)
        gatewayServices.insert(key.destinationService)
        gateway.toGatewayFlows += 1
      }
    }
    var hops: [HopKey: Sides] = [:]
    hops.reserveCapacity(flows.count)
    for id in live {
      let key = flows[id]
      if auto && key.isToGateway { continue }
      if key.reporter == .destination {
        if auto && gatewayPrincipals.contains(key.sourcePrincipal) && gatewayServices.contains(key.destinationService) {
          gateway.fromGatewayFlows += 1
          gateway.fromGatewayBytesDropped.addSaturating(bytes(id))
          dropped.addSaturating(bytes(id))
          continue
        }
      }
      update(&hops[key.hop, default: Sides()]) { s in
        if key.reporter == .destination {
          s.destination.append(id)
          if key.hasLocality { s.destinationHasLocality = true }
        } else {
          s.source.append(id)
          if !key.hasLocality { s.sourceLacksLocality = true }
        }
      }
    }
    // Server sides that no client side pairs with, from a client in another cluster: where
    // the bytes of a client-side series to a gateway are reported with both ends.
    var serverSides = Set<GatewayClient>()
    if !toGateway.isEmpty {
      for (hop, s) in hops
      where s.source.isEmpty && hop.sourceCluster != hop.destinationCluster
        && hop.sourceCluster != "unknown"
      {
        for id in s.destination {
          serverSides.insert(
            GatewayClient(
              cluster: hop.sourceCluster, workload: hop.sourceWorkload, namespace: hop.sourceNamespace,
              service: flows[id].destinationService))
        }
      }
    }
    var chosen: [Int32] = []
    for (client, ids) in toGateway {
      let total = ids.reduce(UInt64(0)) { $0.addingSaturating(bytes($1)) }
      if serverSides.contains(client) {
        gateway.bytesCountedFromServerSide.addSaturating(total)
        dropped.addSaturating(total)
      } else {
        gateway.bytesWithoutFarLocality.addSaturating(total)
        chosen.append(contentsOf: ids)
      }
    }
    for (_, s) in hops {
      let useSource: Bool
      switch options.policy {
      case .source: useSource = true
      case .destination: useSource = false
      case .auto:
        if s.source.isEmpty {
          useSource = false
        } else {
          useSource = !(s.sourceLacksLocality && s.destinationHasLocality)
        }
      }
      let (take, drop) = useSource ? (s.source, s.destination) : (s.destination, s.source)
      chosen.append(contentsOf: take)
      if auto && !take.isEmpty {
        for id in drop { dropped.addSaturating(bytes(id)) }
      }
    }
    return chosen.sorted()
  }

  /// Applies `change` to a value in place (a dictionary entry through `subscript(_:default:)`).
  @inline(__always)
  private static func update<T>(_ value: inout T, _ change: (inout T) -> Void) { change(&value) }
}
