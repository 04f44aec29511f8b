import ZoneTopExposition

/// `snapshot --format findings`: the hops that carry most of the crossing dollars, as
/// Markdown to paste into a ticket, each with its zones, its Service's routing setting when
/// known and a plain suggestion.
public enum Findings {
  /// One finding: a (source workload -> destination service) hop and where its bytes go.
  public struct Finding: Sendable {
    public var hop: WorkloadHop
    public var stats: HopStats
    public var costPerMonth: Double
    /// Bytes per source zone: those that stayed in the zone, and those that left it, by destination zone.
    public var fromZones: [Locality: (stayed: UInt64, left: [Locality: UInt64])]
    public var routing: ServiceRouting?
  }

  /// The hops that carry `share` of the cross-zone and cross-region dollars, costliest first.
  public static func findings(_ r: TrafficReport, routing: (String) -> ServiceRouting?, share: Double = 0.9)
    -> [Finding]
  {
    let crossCost = r.totalCostUSD - r.internetCostUSD
    guard crossCost > 0 else { return [] }
    let hops = r.hops.filter { $0.value.crossBytes > 0 }
      .sorted { ($0.value.costUSD, $1.key.sourceWorkload) > ($1.value.costUSD, $0.key.sourceWorkload) }
    var taken: [(WorkloadHop, HopStats)] = []
    var sum = 0.0
    for (hop, stats) in hops where sum < share * crossCost {
      taken.append((hop, stats))
      sum += stats.costUSD
    }
    let wanted = Set(taken.map(\.0))
    var zones: [WorkloadHop: [Locality: (stayed: UInt64, left: [Locality: UInt64])]] = [:]
    for (id, c) in r.counted {
      let k = r.flows[id]
      let hop = k.workloadHop
      guard wanted.contains(hop) else { continue }
      var entry = zones[hop, default: [:]][k.source, default: (0, [:])]
      if Scope.of(k.source, k.destination) == .sameZone {
        entry.stayed.addSaturating(c.bytes)
      } else {
        entry.left[k.destination, default: 0].addSaturating(c.bytes)
      }
      zones[hop, default: [:]][k.source] = entry
    }
    return taken.map { hop, stats in
      Finding(
        hop: hop, stats: stats, costPerMonth: r.perMonth(stats.costUSD), fromZones: zones[hop] ?? [:],
        routing: routing(hop.destinationService))
    }
  }

  /// The plain suggestion for one finding.
  public static func suggestion(_ f: Finding, routingKnown: Bool) -> String {
    let known = f.stats.bytes - (f.stats.byScope[.unknown] ?? 0)
    let leftShare = known > 0 ? Double(f.stats.crossBytes) / Double(known) : 0
    let percent = NumberText.fixed(leftShare * 100, 0) + "%"
    // Source zones none of whose bytes stayed: no endpoint of the service there, probably.
    let bare = f.fromZones.filter { !$0.key.isUnknown && $0.value.stayed == 0 && !$0.value.left.isEmpty }.keys.sorted()
    let bareText = bare.map { Sanitize.short($0.zone, limit: 40) }.joined(separator: ", ")
    if let routing = f.routing, routing.prefersSameZone {
      return bare.isEmpty
        ? "\(routing.trafficDistribution) is set but \(percent) leaves the zone: are the endpoints in each zone enough for the load (ztunnel fails over when they are not ready)?"
        : "\(routing.trafficDistribution) is set but \(percent) leaves the zone: no endpoint of this service in \(bareText)?"
    }
    let endpoints = bare.isEmpty ? "" : " (and no endpoint seen in \(bareText): add one there)"
    if f.routing != nil || routingKnown {
      return "no routing preference: consider `trafficDistribution: PreferSameZone` on the Service\(endpoints)"
    }
    return "routing preference unknown (run `snapshot --kube` to read it): if the Service has none, consider "
      + "`trafficDistribution: PreferSameZone`\(endpoints)"
  }

  /// The Markdown document.
  public static func markdown(_ r: TrafficReport, routing: (String) -> ServiceRouting?, routingKnown: Bool) -> String {
    let list = findings(r, routing: routing)
    let crossCost = r.perMonth(r.totalCostUSD - r.internetCostUSD)
    var out = "# Cross-zone and cross-region cost: findings\n\n"
    out +=
      "Window \(RFC3339.format(ms: r.windowStartMs)) to \(RFC3339.format(ms: r.windowEndMs)) "
      + "(\(DurationText.format(ms: r.windowEndMs - r.windowStartMs))), pricing \(Sanitize.short(r.options.pricing.name)), "
      + "reporter policy \(r.options.policy.rawValue). Costs are estimates.\n\n"
    guard !list.isEmpty else {
      return out + "No traffic crossed zones or regions in the window: nothing to fix.\n"
    }
    let listed = list.reduce(0) { $0 + $1.costPerMonth }
    out +=
      "Cross-zone and cross-region traffic costs \(NumberText.usd(crossCost))/month; "
      + "\(list.count) hop\(list.count == 1 ? "" : "s") carry \(NumberText.fixed(100 * listed / crossCost, 0))% of it.\n\n"
    out += "| # | source workload | destination service | USD/month | cross-zone | cross-region | routing |\n"
    out += "| --- | --- | --- | ---: | ---: | ---: | --- |\n"
    func cell(_ s: String) -> String { Sanitize.short(s, limit: 80).replacingOccurrences(of: "|", with: "\\|") }
    func rate(_ b: UInt64) -> String { NumberText.bytes(r.perSecond(b), suffix: "B/s") }
    for (i, f) in list.enumerated() {
      out +=
        "| \(i + 1) | \(cell(r.sourceName(f.hop))) | \(cell(f.hop.destinationService)) | "
        + "\(NumberText.usd(f.costPerMonth)) | \(rate(f.stats.byScope[.crossZone] ?? 0)) | "
        + "\(rate(f.stats.byScope[.crossRegion] ?? 0)) | \(cell(f.routing?.trafficDistribution ?? (routingKnown ? "none" : "unknown"))) |\n"
    }
    for (i, f) in list.enumerated() {
      out += "\n## \(i + 1). \(cell(r.sourceName(f.hop))) → \(cell(f.hop.destinationService)): "
      out += "\(NumberText.usd(f.costPerMonth))/month\n\n"
      for (zone, z) in f.fromZones.sorted(by: { $0.key < $1.key }) {
        let left = z.left.values.reduce(UInt64(0)) { $0.addingSaturating($1) }
        let total = z.stayed.addingSaturating(left)
        guard total > 0 else { continue }
        let to = z.left.sorted { $0.value > $1.value }.prefix(3).map { "\(cell($0.key.zone)) \(rate($0.value))" }
        out +=
          "- from \(cell(zone.zone)): \(NumberText.fixed(100 * Double(left) / Double(total), 0))% leaves the zone"
          + (to.isEmpty ? "" : " (to \(to.joined(separator: ", ")))") + "\n"
      }
      out += "- suggestion: \(suggestion(f, routingKnown: routingKnown))\n"
    }
    return out
  }
}
