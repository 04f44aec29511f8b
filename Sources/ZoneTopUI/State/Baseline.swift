import ZoneTopTraffic

/// A window pinned as the baseline (key `b`): what the header, the matrices (units "change
/// vs baseline"), Services and Flows compare the current window against.
///
/// It keeps rates and monthly costs per zone pair, region pair, hop and service (the same
/// rows `zonetop diff` compares), so the current window compares whatever its length.
public struct Baseline: Sendable {
  public var zones: DiffSide
  public var regions: DiffSide
  public var hops: DiffSide
  /// Each service's share of known-locality bytes that stayed in its zone.
  public var inZoneShare: [String: Double] = [:]

  public init(_ r: TrafficReport) {
    zones = DiffSide(label: "baseline", report: r, group: .zone)
    regions = DiffSide(label: "baseline", report: r, group: .region)
    hops = DiffSide(label: "baseline", report: r, group: .workload)
    for (name, svc) in r.services { inZoneShare[name] = svc.inZoneShare }
  }

  /// The baseline's rate (bytes per second) and USD per month of a zone pair.
  public func zonePair(_ p: ZonePair) -> (bytesPerSecond: Double, costPerMonth: Double) {
    zones.rows[[p.from.region, p.from.zone, p.to.region, p.to.zone, p.scope.rawValue]] ?? (0, 0)
  }

  /// The baseline's rate and USD per month of a region pair.
  public func regionPair(_ p: RegionPair) -> (bytesPerSecond: Double, costPerMonth: Double) {
    let scope = p.scope == .unknown ? "unknown" : (p.from == p.to ? "same-region" : "cross-region")
    return regions.rows[[p.from, p.to, scope]] ?? (0, 0)
  }

  /// The baseline's USD per month of a hop (nil: the hop was not there).
  public func hopCost(_ h: WorkloadHop) -> Double? {
    hops.rows[[h.sourceCluster, h.sourceNamespace, h.sourceWorkload, h.destinationService]]?.costPerMonth
  }

  /// What was pinned, in words: the span and its totals.
  public var summary: String {
    "\(Renderer.clock(zones.windowStartMs))–\(Renderer.clock(zones.windowEndMs)) "
      + "(\(DurationText.format(ms: zones.windowEndMs - zones.windowStartMs))): cross-zone "
      + "\(NumberText.bytes(zones.crossZoneBytesPerSecond, suffix: "B/s")), cross-region "
      + "\(NumberText.bytes(zones.crossRegionBytesPerSecond, suffix: "B/s")), "
      + "\(NumberText.usd(zones.crossCostPerMonth))/month"
  }

  /// The current window against the baseline, in words for the header, and whether the
  /// crossing cost rose.
  public func change(_ r: TrafficReport) -> (text: String, costRose: Bool) {
    let now = DiffSide(label: "now", report: r, group: .region)
    func percent(_ now: Double, _ then: Double) -> String {
      guard then > 0 else { return now > 0 ? "new" : "0%" }
      let p = (now / then - 1) * 100
      return (p >= 0 ? "+" : "") + NumberText.fixed(p, 1) + "%"
    }
    let cost = now.crossCostPerMonth - zones.crossCostPerMonth
    let text =
      "vs baseline x-zone \(percent(now.crossZoneBytesPerSecond, zones.crossZoneBytesPerSecond)) "
      + "x-region \(percent(now.crossRegionBytesPerSecond, zones.crossRegionBytesPerSecond)) "
      + "\(cost >= 0 ? "+" : "-")\(NumberText.usd(abs(cost)))/mo"
    return (text, cost > 0)
  }
}
