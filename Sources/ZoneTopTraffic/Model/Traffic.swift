import ZoneTopExposition

/// Byte and connection counts of one flow over some time.
public struct Counts: Sendable, Equatable {
  /// Bytes from the connection's source toward its destination (`istio_tcp_received_bytes_total`).
  public var received: UInt64 = 0
  /// Bytes from the destination back toward the source (`istio_tcp_sent_bytes_total`).
  public var sent: UInt64 = 0
  public var opened: UInt64 = 0
  public var closed: UInt64 = 0

  public init(received: UInt64 = 0, sent: UInt64 = 0, opened: UInt64 = 0, closed: UInt64 = 0) {
    self.received = received
    self.sent = sent
    self.opened = opened
    self.closed = closed
  }

  /// Adds counts, each saturating at `UInt64.max` (a sum that wrapped would show a small number).
  public static func += (a: inout Counts, b: Counts) {
    a.received.addSaturating(b.received)
    a.sent.addSaturating(b.sent)
    a.opened.addSaturating(b.opened)
    a.closed.addSaturating(b.closed)
  }

  public var bytes: UInt64 { received.addingSaturating(sent) }
  public var isZero: Bool { received == 0 && sent == 0 && opened == 0 && closed == 0 }
}

extension UInt64 {
  /// `self + other`, or `UInt64.max` where the sum does not fit.
  ///
  /// Byte and connection sums use it: wrapping modulo 2^64 would let one target's counts
  /// cancel another's (two increases of 2^63 summed to 0 and the cell vanished).
  @inlinable
  public func addingSaturating(_ other: UInt64) -> UInt64 {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? .max : sum
  }

  /// Adds `other`, saturating at `UInt64.max`.
  @inlinable
  public mutating func addSaturating(_ other: UInt64) { self = addingSaturating(other) }
}

/// Which ztunnel reported a series.
public enum Reporter: UInt8, Sendable {
  case source, destination, unknown
}

/// Which reporter's series are counted.
public enum ReporterPolicy: String, Sendable, CaseIterable {
  /// Per hop: the source side where any ztunnel reports it, else the destination side;
  /// the destination side also where the source side lacks locality labels.
  case auto
  case source
  case destination

  public var next: ReporterPolicy {
    switch self {
    case .auto: .source
    case .source: .destination
    case .destination: .auto
    }
  }
}

/// Where a pair of localities sits relative to each other.
public enum Scope: String, Sendable, CaseIterable, Comparable {
  case sameZone = "same-zone"
  case crossZone = "cross-zone"
  case crossRegion = "cross-region"
  case unknown

  public static func < (a: Scope, b: Scope) -> Bool {
    (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
  }

  /// The scope of traffic from one (region, zone) to another.
  public static func of(_ from: Locality, _ to: Locality) -> Scope {
    if from.isUnknown || to.isUnknown { return .unknown }
    if from.region != to.region { return .crossRegion }
    return from.zone == to.zone ? .sameZone : .crossZone
  }
}

/// A region and zone; `unknown` when ztunnel did not know or did not say.
public struct Locality: Hashable, Sendable, Comparable {
  public var region: String
  public var zone: String

  public init(region: String, zone: String) {
    self.region = region
    self.zone = zone
  }

  public static let unknown = Locality(region: "unknown", zone: "unknown")

  public var isUnknown: Bool { region == "unknown" || zone == "unknown" || region.isEmpty || zone.isEmpty }

  public static func < (a: Locality, b: Locality) -> Bool {
    (a.isUnknown ? 1 : 0, a.region, a.zone) < (b.isUnknown ? 1 : 0, b.region, b.zone)
  }
}

/// The identity of one flow: what the counting rules and the views need of a series' labels.
public struct FlowKey: Hashable, Sendable {
  public var reporter: Reporter
  public var sourceWorkload: String
  public var sourceNamespace: String
  public var destinationWorkload: String
  public var destinationNamespace: String
  public var destinationService: String
  public var source: Locality
  public var destination: Locality
  /// Whether the series carried locality labels at all (older ztunnels do not).
  public var hasLocality: Bool
  /// The clusters of the two ends (`source_cluster`, `destination_cluster`): workload names
  /// repeat across the clusters of a multi-cluster mesh.
  public var sourceCluster: String
  public var destinationCluster: String
  /// The SPIFFE identities of the two ends: what tells an east-west gateway apart.
  public var sourcePrincipal: String
  public var destinationPrincipal: String

  public init(
    reporter: Reporter, sourceWorkload: String, sourceNamespace: String, destinationWorkload: String,
    destinationNamespace: String, destinationService: String, source: Locality, destination: Locality,
    hasLocality: Bool, sourceCluster: String = "unknown", destinationCluster: String = "unknown",
    sourcePrincipal: String = "unknown", destinationPrincipal: String = "unknown"
  ) {
    self.reporter = reporter
    self.sourceWorkload = sourceWorkload
    self.sourceNamespace = sourceNamespace
    self.destinationWorkload = destinationWorkload
    self.destinationNamespace = destinationNamespace
    self.destinationService = destinationService
    self.source = source
    self.destination = destination
    self.hasLocality = hasLocality
    self.sourceCluster = sourceCluster
    self.destinationCluster = destinationCluster
    self.sourcePrincipal = sourcePrincipal
    self.destinationPrincipal = destinationPrincipal
  }

  /// The hop this flow belongs to, for the reporter policy: the two sides of one hop carry
  /// the same key.
  public var hop: HopKey {
    HopKey(
      sourceCluster: sourceCluster, sourceWorkload: sourceWorkload, sourceNamespace: sourceNamespace,
      destinationCluster: destinationCluster, destinationWorkload: destinationWorkload,
      destinationNamespace: destinationNamespace)
  }

  /// The row of the Flows view and the workload exports this flow adds to.
  public var workloadHop: WorkloadHop {
    WorkloadHop(
      sourceWorkload: sourceWorkload, sourceNamespace: sourceNamespace, destinationService: destinationService,
      sourceCluster: sourceCluster)
  }

  /// A client-side series of a hop through an east-west gateway whose far side ztunnel did
  /// not name (a ztunnel before 1.29, or response baggage off): the destination is the
  /// gateway's synthesized workload, with an identity but no workload name, cluster or
  /// locality, while `destination_service` is the service really called.
  public var isToGateway: Bool {
    reporter == .source && destinationWorkload == "unknown" && destinationCluster == "unknown"
      && destinationPrincipal != "unknown" && destinationService != "unknown"
  }

  /// Whether the destination is outside the mesh (no workload and no identity).
  public var isEgress: Bool { destinationWorkload == "unknown" && destinationPrincipal == "unknown" }
}

/// The two ends of a hop: cluster, workload and namespace of each.
public struct HopKey: Hashable, Sendable {
  public var sourceCluster: String
  public var sourceWorkload: String
  public var sourceNamespace: String
  public var destinationCluster: String
  public var destinationWorkload: String
  public var destinationNamespace: String
}

/// Interned flows: ids are dense, and stable until the owner forgets flows (`FlowCompaction`).
///
/// The keys are stored once: the index is an open-addressing table of ids with each
/// key's hash (a `[FlowKey: Int32]` beside `keys` held every key twice, about 250
/// bytes a flow more).
public struct FlowTable: Sendable {
  public private(set) var keys: [FlowKey] = []
  /// `id + 1` per bucket (0: empty) and the hash of that key, linear probing, at most half full.
  private var buckets: [Int32] = []
  private var hashes: [Int] = []

  public init() {}

  /// The flows of `keys`, their ids in that order (`keys` must not repeat a flow).
  public init(_ keys: [FlowKey]) {
    reserveCapacity(keys.count)
    for k in keys { _ = id(for: k) }
  }

  public mutating func id(for key: FlowKey) -> Int32 {
    let h = key.hashValue
    if !buckets.isEmpty {
      let mask = buckets.count - 1
      var i = h & mask
      while buckets[i] != 0 {
        if hashes[i] == h && keys[Int(buckets[i] - 1)] == key { return buckets[i] - 1 }
        i = (i + 1) & mask
      }
    }
    if (keys.count + 1) * 2 > buckets.count { rehash(capacity: max(1024, buckets.count * 2)) }
    let id = Int32(keys.count)
    keys.append(key)
    place(id, hash: h)
    return id
  }

  public var count: Int { keys.count }
  public subscript(id: Int32) -> FlowKey { keys[Int(id)] }

  /// Room for `n` flows without rehashing the keys as the table grows.
  public mutating func reserveCapacity(_ n: Int) {
    keys.reserveCapacity(n)
    var size = max(1024, buckets.count)
    while size < 2 * n { size *= 2 }
    if size > buckets.count { rehash(capacity: size) }
  }

  private mutating func place(_ id: Int32, hash h: Int) {
    let mask = buckets.count - 1
    var i = h & mask
    while buckets[i] != 0 { i = (i + 1) & mask }
    buckets[i] = id + 1
    hashes[i] = h
  }

  private mutating func rehash(capacity: Int) {
    let old = zip(buckets, hashes).filter { $0.0 != 0 }
    buckets = [Int32](repeating: 0, count: capacity)
    hashes = [Int](repeating: 0, count: capacity)
    for (b, h) in old { place(b - 1, hash: h) }
  }
}

/// A renumbering of flow ids after an engine forgot flows: what a history holding the
/// same ids applies to its table and its rounds.
public struct FlowCompaction: Sendable {
  /// The new id of each old id, or -1 for a forgotten flow; new ids keep the old order.
  public var newIDs: [Int32]
  /// How many flows were forgotten.
  public var forgotten: Int

  public init(newIDs: [Int32], forgotten: Int) {
    self.newIDs = newIDs
    self.forgotten = forgotten
  }

  /// The new id of `id`, or nil when it was forgotten (or unknown).
  @inline(__always)
  public func map(_ id: Int32) -> Int32? {
    let i = Int(id)
    guard i >= 0, i < newIDs.count, newIDs[i] >= 0 else { return nil }
    return newIDs[i]
  }
}
