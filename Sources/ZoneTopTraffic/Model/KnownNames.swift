/// The namespaces, zones and clusters of every flow seen since the start (or the last reset):
/// what `:ns`, `:zone` and `:cluster` complete and accept, beyond the window on screen.
public struct KnownNames: Sendable, Equatable {
  public private(set) var namespaces: Set<String> = []
  public private(set) var zones: Set<String> = []
  public private(set) var clusters: Set<String> = []

  public init() {}

  /// Adds the names of `flows`; zones of unknown locality are left out.
  public mutating func add(_ flows: some Sequence<FlowKey>) {
    for f in flows {
      namespaces.insert(f.sourceNamespace)
      namespaces.insert(f.destinationNamespace)
      if !f.source.isUnknown { zones.insert(f.source.zone) }
      if !f.destination.isUnknown { zones.insert(f.destination.zone) }
      clusters.insert(f.sourceCluster)
      clusters.insert(f.destinationCluster)
    }
  }
}
