import ZoneTopExposition

/// A Kubernetes node's topology labels (`topology.kubernetes.io/zone` and `/region`).
public struct NodeLocality: Sendable, Equatable {
  public var node: String
  public var zone: String?
  public var region: String?
  public var hasTopology: Bool { zone != nil || region != nil }

  public init(node: String, zone: String?, region: String?) {
    self.node = node
    self.zone = zone
    self.region = region
  }
}

/// How a destination Service asks to be routed: `spec.trafficDistribution`, or
/// Istio's `networking.istio.io/traffic-distribution` annotation.
public struct ServiceRouting: Sendable, Equatable {
  /// The value as written (`PreferSameZone`, `PreferClose`, `PreferSameNode`, ...).
  public var trafficDistribution: String
  /// Where it was read: `spec` or `annotation`.
  public var from: String

  public init(trafficDistribution: String, from: String) {
    self.trafficDistribution = trafficDistribution
    self.from = from
  }

  /// Whether it asks to keep traffic in the client's zone (or node).
  public var prefersSameZone: Bool {
    ["PreferSameZone", "PreferClose", "PreferSameNode"].contains(trafficDistribution)
  }
}

/// What target discovery (`--kube`) found, for Health and the Services view.
public struct DiscoveryStatus: Sendable {
  /// One line: what was listed, from where, and when.
  public var summary: String
  /// The last listing error, in words (the previous targets stay polled meanwhile).
  public var error: String?
  /// Topology labels of the nodes that run a ztunnel, by target name.
  public var nodes: [String: NodeLocality] = [:]
  /// Routing preferences by service host (`name.namespace`), as ztunnel's `destination_service` starts.
  public var services: [String: ServiceRouting] = [:]

  public init(summary: String, error: String? = nil) {
    self.summary = summary
    self.error = error
  }

  /// The routing preference of a `destination_service` value such as `reviews.bookinfo.svc.cluster.local`.
  public func routing(ofService host: String) -> ServiceRouting? {
    guard !services.isEmpty else { return nil }
    let parts = host.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
    guard parts.count >= 3, parts[2] == "svc" else { return nil }
    return services["\(parts[0]).\(parts[1])"]
  }
}
