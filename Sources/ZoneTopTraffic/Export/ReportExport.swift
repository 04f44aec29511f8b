import ZoneTopExposition

/// How a snapshot groups traffic.
public enum GroupBy: String, Sendable, CaseIterable {
  case zone, region, cluster, workload, namespace
}

/// CSV, JSON and table renderings of a report (schemas in the README).
public enum ReportExport {
  public static let zoneColumns = [
    "window_start", "window_end", "source_region", "source_zone", "destination_region", "destination_zone", "scope",
    "bytes", "bytes_per_second", "connections_opened", "cost_usd", "cost_usd_per_month",
  ]
  public static let regionColumns = [
    "window_start", "window_end", "source_region", "destination_region", "scope", "bytes", "bytes_per_second",
    "connections_opened", "cost_usd", "cost_usd_per_month",
  ]
  public static let clusterColumns = [
    "window_start", "window_end", "source_cluster", "destination_cluster", "scope", "bytes", "bytes_per_second",
    "connections_opened", "cost_usd", "cost_usd_per_month",
  ]
  public static let workloadColumns = [
    "window_start", "window_end", "source_cluster", "source_namespace", "source_workload", "destination_service",
    "bytes",
    "bytes_to_destination", "bytes_from_destination", "same_zone_bytes", "cross_zone_bytes", "cross_region_bytes",
    "unknown_locality_bytes", "bytes_per_second", "connections_opened", "cost_usd", "cost_usd_per_month",
  ]

  public static let namespaceColumns = [
    "window_start", "window_end", "side", "namespace", "bytes", "same_zone_bytes", "cross_zone_bytes",
    "cross_region_bytes", "unknown_locality_bytes", "cross_share", "bytes_per_second", "connections_opened",
    "cost_usd", "cost_usd_per_month",
  ]

  // MARK: - Rows

  /// Zone pairs with traffic, by bytes descending.
  public static func zoneRows(_ r: TrafficReport) -> [(ZonePair, PairStats)] {
    r.zonePairs.filter { $0.value.bytes > 0 || $0.value.connectionsOpened > 0 }
      .sorted { ($1.value.bytes, $0.key.from, $0.key.to) < ($0.value.bytes, $1.key.from, $1.key.to) }
  }

  public static func regionRows(_ r: TrafficReport) -> [(RegionPair, PairStats)] {
    r.regionPairs.filter { $0.value.bytes > 0 || $0.value.connectionsOpened > 0 }
      .sorted { ($1.value.bytes, $0.key.from, $0.key.to) < ($0.value.bytes, $1.key.from, $1.key.to) }
  }

  public static func clusterRows(_ r: TrafficReport) -> [(ClusterPair, PairStats)] {
    r.clusterPairs.filter { $0.value.bytes > 0 || $0.value.connectionsOpened > 0 }
      .sorted {
        ($1.value.bytes, $0.key.from, $0.key.to, $0.key.scope) < ($0.value.bytes, $1.key.from, $1.key.to, $1.key.scope)
      }
  }

  public static func workloadRows(_ r: TrafficReport) -> [(WorkloadHop, HopStats)] {
    r.hops.filter { $0.value.bytes > 0 || $0.value.opened > 0 }
      .sorted {
        ($1.value.bytes, $0.key.sourceNamespace, $0.key.sourceWorkload, $0.key.destinationService)
          < ($0.value.bytes, $1.key.sourceNamespace, $1.key.sourceWorkload, $1.key.destinationService)
      }
  }

  static func regionScope(_ p: RegionPair) -> String { regionScope(p.scope) }

  /// A region-level scope's name: `sameZone` stands for the same region there.
  static func regionScope(_ scope: Scope) -> String {
    switch scope {
    case .unknown: "unknown"
    case .sameZone: "same-region"
    case .crossZone, .crossRegion: "cross-region"
    }
  }

  // MARK: - CSV

  /// CSV with one header line; rates are empty when the window has no length (a single scrape).
  public static func csv(_ r: TrafficReport, groupBy: GroupBy) -> String {
    let start = RFC3339.format(ms: r.windowStartMs)
    let end = RFC3339.format(ms: r.windowEndMs)
    let hasRate = r.windowSeconds > 0
    func rate(_ bytes: UInt64) -> String { hasRate ? NumberText.fixed(r.perSecond(bytes), 3) : "" }
    func month(_ cost: Double) -> String { hasRate ? NumberText.fixed(r.perMonth(cost), 6) : "" }
    var out = ""
    switch groupBy {
    case .zone:
      out += CSV.row(zoneColumns)
      for (p, s) in zoneRows(r) {
        out += CSV.row([
          start, end, CSV.text(p.from.region), CSV.text(p.from.zone), CSV.text(p.to.region), CSV.text(p.to.zone),
          p.scope.rawValue, String(s.bytes), rate(s.bytes), String(s.connectionsOpened),
          NumberText.fixed(s.costUSD, 6), month(s.costUSD),
        ])
      }
    case .region:
      out += CSV.row(regionColumns)
      for (p, s) in regionRows(r) {
        out += CSV.row([
          start, end, CSV.text(p.from), CSV.text(p.to), regionScope(p), String(s.bytes), rate(s.bytes),
          String(s.connectionsOpened), NumberText.fixed(s.costUSD, 6), month(s.costUSD),
        ])
      }
    case .cluster:
      out += CSV.row(clusterColumns)
      for (p, s) in clusterRows(r) {
        out += CSV.row([
          start, end, CSV.text(p.from), CSV.text(p.to), regionScope(p.scope), String(s.bytes), rate(s.bytes),
          String(s.connectionsOpened), NumberText.fixed(s.costUSD, 6), month(s.costUSD),
        ])
      }
    case .workload:
      out += CSV.row(workloadColumns)
      for (h, s) in workloadRows(r) {
        out += CSV.row([
          start, end, CSV.text(h.sourceCluster), CSV.text(h.sourceNamespace), CSV.text(h.sourceWorkload),
          CSV.text(h.destinationService),
          String(s.bytes), String(s.forward), String(s.back), String(s.byScope[.sameZone] ?? 0),
          String(s.byScope[.crossZone] ?? 0), String(s.byScope[.crossRegion] ?? 0),
          String(s.byScope[.unknown] ?? 0), rate(s.bytes), String(s.opened),
          NumberText.fixed(s.costUSD, 6), month(s.costUSD),
        ])
      }
    case .namespace:
      out += namespaceCSV(r.namespaceStats, r)
    }
    return out
  }

  /// Namespace rows as CSV (with the header line): the Namespaces view and `--group-by namespace`.
  public static func namespaceCSV(_ rows: [NamespaceStats], _ r: TrafficReport) -> String {
    let hasRate = r.windowSeconds > 0
    let (start, end) = (RFC3339.format(ms: r.windowStartMs), RFC3339.format(ms: r.windowEndMs))
    var out = CSV.row(namespaceColumns)
    for n in rows {
      out += CSV.row([
        start, end, n.side.rawValue, CSV.text(n.namespace), String(n.bytes), String(n.byScope[.sameZone] ?? 0),
        String(n.byScope[.crossZone] ?? 0), String(n.byScope[.crossRegion] ?? 0), String(n.byScope[.unknown] ?? 0),
        n.crossShare.map { NumberText.fixed($0, 4) } ?? "", hasRate ? NumberText.fixed(r.perSecond(n.bytes), 3) : "",
        String(n.opened), NumberText.fixed(n.costUSD, 6), hasRate ? NumberText.fixed(r.perMonth(n.costUSD), 6) : "",
      ])
    }
    return out
  }

  // MARK: - JSON

  public static func json(_ r: TrafficReport, groupBy: GroupBy, targets: [TargetHealth]? = nil) -> String {
    let hasRate = r.windowSeconds > 0
    func rate(_ bytes: UInt64) -> String { hasRate ? JSON.number(r.perSecond(bytes), 3) : "null" }
    func month(_ cost: Double) -> String { hasRate ? JSON.number(r.perMonth(cost)) : "null" }
    var rows: [String] = []
    switch groupBy {
    case .zone:
      for (p, s) in zoneRows(r) {
        rows.append(
          "{\"source_region\":\(JSON.string(p.from.region)),\"source_zone\":\(JSON.string(p.from.zone)),\"destination_region\":\(JSON.string(p.to.region)),\"destination_zone\":\(JSON.string(p.to.zone)),\"scope\":\"\(p.scope.rawValue)\",\"bytes\":\(s.bytes),\"bytes_per_second\":\(rate(s.bytes)),\"connections_opened\":\(s.connectionsOpened),\"cost_usd\":\(JSON.number(s.costUSD)),\"cost_usd_per_month\":\(month(s.costUSD))}"
        )
      }
    case .region:
      for (p, s) in regionRows(r) {
        rows.append(
          "{\"source_region\":\(JSON.string(p.from)),\"destination_region\":\(JSON.string(p.to)),\"scope\":\"\(regionScope(p))\",\"bytes\":\(s.bytes),\"bytes_per_second\":\(rate(s.bytes)),\"connections_opened\":\(s.connectionsOpened),\"cost_usd\":\(JSON.number(s.costUSD)),\"cost_usd_per_month\":\(month(s.costUSD))}"
        )
      }
    case .cluster:
      for (p, s) in clusterRows(r) {
        rows.append(
          "{\"source_cluster\":\(JSON.string(p.from)),\"destination_cluster\":\(JSON.string(p.to)),\"scope\":\"\(regionScope(p.scope))\",\"bytes\":\(s.bytes),\"bytes_per_second\":\(rate(s.bytes)),\"connections_opened\":\(s.connectionsOpened),\"cost_usd\":\(JSON.number(s.costUSD)),\"cost_usd_per_month\":\(month(s.costUSD))}"
        )
      }
    case .workload:
      for (h, s) in workloadRows(r) {
        rows.append(
          "{\"source_cluster\":\(JSON.string(h.sourceCluster)),\"source_namespace\":\(JSON.string(h.sourceNamespace)),\"source_workload\":\(JSON.string(h.sourceWorkload)),\"destination_service\":\(JSON.string(h.destinationService)),\"bytes\":\(s.bytes),\"bytes_to_destination\":\(s.forward),\"bytes_from_destination\":\(s.back),\"same_zone_bytes\":\(s.byScope[.sameZone] ?? 0),\"cross_zone_bytes\":\(s.byScope[.crossZone] ?? 0),\"cross_region_bytes\":\(s.byScope[.crossRegion] ?? 0),\"unknown_locality_bytes\":\(s.byScope[.unknown] ?? 0),\"bytes_per_second\":\(rate(s.bytes)),\"connections_opened\":\(s.opened),\"cost_usd\":\(JSON.number(s.costUSD)),\"cost_usd_per_month\":\(month(s.costUSD))}"
        )
      }
    case .namespace:
      for n in r.namespaceStats {
        let share = n.crossShare.map { JSON.number($0, 4) } ?? "null"
        rows.append(
          "{\"side\":\"\(n.side.rawValue)\",\"namespace\":\(JSON.string(n.namespace)),\"bytes\":\(n.bytes),\"same_zone_bytes\":\(n.byScope[.sameZone] ?? 0),\"cross_zone_bytes\":\(n.byScope[.crossZone] ?? 0),\"cross_region_bytes\":\(n.byScope[.crossRegion] ?? 0),\"unknown_locality_bytes\":\(n.byScope[.unknown] ?? 0),\"cross_share\":\(share),\"bytes_per_second\":\(rate(n.bytes)),\"connections_opened\":\(n.opened),\"cost_usd\":\(JSON.number(n.costUSD)),\"cost_usd_per_month\":\(month(n.costUSD))}"
        )
      }
    }
    let scopes = Scope.allCases.map { "\"\($0.rawValue)\":\(r.bytesByScope[$0] ?? 0)" }.joined(separator: ",")
    return """
      {"window_start":"\(RFC3339.format(ms: r.windowStartMs))","window_end":"\(RFC3339.format(ms: r.windowEndMs))",\
      "window_seconds":\(JSON.number(r.windowSeconds, 3)),"reporter_policy":"\(r.options.policy.rawValue)",\
      "pricing_profile":\(JSON.string(r.options.pricing.name)),"costs_are_estimates":true,"group_by":"\(groupBy.rawValue)",\
      "bytes_by_scope":{\(scopes)},"duplicate_bytes_dropped":\(r.duplicateBytesDropped),\
      "unknown_locality_bytes":\(r.unknownLocalityBytes),\(gatewayJSON(r.gateway)),"internet_egress_cost_usd":\(JSON.number(r.internetCostUSD)),\
      "total_cost_usd":\(JSON.number(r.totalCostUSD)),"total_cost_usd_per_month":\(month(r.totalCostUSD)),\
      \(targets.map(targetsJSON) ?? "")"rows":[\(rows.joined(separator: ","))]}

      """
  }

  /// `"east_west_gateway":{...}`: what the counting rules did with hops through gateways.
  static func gatewayJSON(_ g: GatewayStats) -> String {
    "\"east_west_gateway\":{\"to_gateway_flows\":\(g.toGatewayFlows),\"from_gateway_flows\":\(g.fromGatewayFlows),"
      + "\"bytes_without_far_locality\":\(g.bytesWithoutFarLocality),"
      + "\"bytes_counted_from_server_side\":\(g.bytesCountedFromServerSide),"
      + "\"from_gateway_bytes_dropped\":\(g.fromGatewayBytesDropped)}"
  }

  /// `"targets_total":N,"targets_up":M,"targets":[...],`: who produced data (a target is
  /// up when at least one of its scrapes gave metrics).
  static func targetsJSON(_ targets: [TargetHealth]) -> String {
    let items = targets.map { h in
      "{\"target\":\(JSON.string(h.target)),\"status\":\"\(h.scrapes > 0 ? "up" : "down")\",\"scrapes\":\(h.scrapes),"
        + "\"failures\":\(h.failures),\"last_error\":\(h.lastError.map(JSON.string) ?? "null")}"
    }
    let up = targets.filter { $0.scrapes > 0 }.count
    return "\"targets_total\":\(targets.count),\"targets_up\":\(up),\"targets\":[\(items.joined(separator: ","))],"
  }

  /// One line: how many targets produced data, and which did not.
  public static func targetsLine(_ targets: [TargetHealth]) -> String {
    let down = targets.filter { $0.scrapes == 0 }
    var line = "\(targets.count - down.count) of \(targets.count) target\(targets.count == 1 ? "" : "s") answered"
    if !down.isEmpty {
      let names = down.prefix(3).map { Sanitize.short(TargetName.short($0.target), limit: 40) }
      line += " (no data from \(names.joined(separator: ", "))\(down.count > 3 ? " and \(down.count - 3) more" : ""))"
    }
    return line
  }

  /// What a user must know of gateway hops: bytes counted without the far side's locality,
  /// and why; nil when there are none.
  public static func gatewayLine(_ g: GatewayStats) -> String? {
    guard g.bytesWithoutFarLocality > 0 else { return nil }
    return "\(NumberText.bytes(Double(g.bytesWithoutFarLocality))) crossed networks through an east-west gateway "
      + "without the far side's locality (ztunnel older than 1.29 on the client side, or response baggage off)"
  }

  // MARK: - Table

  /// An aligned text table for terminals: label values are made visible, never raw.
  public static func table(_ r: TrafficReport, groupBy: GroupBy, limit: Int = 50, targets: [TargetHealth]? = nil)
    -> String
  {
    var header: [String]
    var rows: [[String]] = []
    let hasRate = r.windowSeconds > 0
    func rate(_ b: UInt64) -> String { hasRate ? NumberText.bytes(r.perSecond(b), suffix: "B/s") : "-" }
    func month(_ c: Double) -> String { hasRate ? NumberText.usd(r.perMonth(c)) : "-" }
    switch groupBy {
    case .zone:
      header = ["SOURCE ZONE", "DESTINATION ZONE", "SCOPE", "BYTES", "RATE", "CONNS", "USD", "USD/MONTH"]
      for (p, s) in zoneRows(r).prefix(limit) {
        rows.append([
          Sanitize.short(p.from.zone, limit: 28), Sanitize.short(p.to.zone, limit: 28), p.scope.rawValue,
          NumberText.bytes(Double(s.bytes)), rate(s.bytes), String(s.connectionsOpened), NumberText.usd(s.costUSD),
          month(s.costUSD),
        ])
      }
    case .region:
      header = ["SOURCE REGION", "DESTINATION REGION", "SCOPE", "BYTES", "RATE", "CONNS", "USD", "USD/MONTH"]
      for (p, s) in regionRows(r).prefix(limit) {
        rows.append([
          Sanitize.short(p.from, limit: 28), Sanitize.short(p.to, limit: 28), regionScope(p),
          NumberText.bytes(Double(s.bytes)), rate(s.bytes), String(s.connectionsOpened), NumberText.usd(s.costUSD),
          month(s.costUSD),
        ])
      }
    case .cluster:
      header = ["SOURCE CLUSTER", "DESTINATION CLUSTER", "SCOPE", "BYTES", "RATE", "CONNS", "USD", "USD/MONTH"]
      for (p, s) in clusterRows(r).prefix(limit) {
        rows.append([
          Sanitize.short(p.from, limit: 28), Sanitize.short(p.to, limit: 28), regionScope(p.scope),
          NumberText.bytes(Double(s.bytes)), rate(s.bytes), String(s.connectionsOpened), NumberText.usd(s.costUSD),
          month(s.costUSD),
        ])
      }
    case .workload:
      header = ["SOURCE", "DESTINATION SERVICE", "BYTES", "CROSS-ZONE", "CROSS-REGION", "RATE", "USD/MONTH"]
      for (h, s) in workloadRows(r).prefix(limit) {
        rows.append([
          Sanitize.short(r.sourceName(h), limit: 36),
          Sanitize.short(h.destinationService, limit: 44),
          NumberText.bytes(Double(s.bytes)), NumberText.bytes(Double(s.byScope[.crossZone] ?? 0)),
          NumberText.bytes(Double(s.byScope[.crossRegion] ?? 0)), rate(s.bytes), month(s.costUSD),
        ])
      }
    case .namespace:
      header = ["SIDE", "NAMESPACE", "BYTES", "CROSS-ZONE", "CROSS-REGION", "CROSS SHARE", "RATE", "USD/MONTH"]
      for n in r.namespaceStats.prefix(limit) {
        rows.append([
          n.side.rawValue, Sanitize.short(n.namespace, limit: 40), NumberText.bytes(Double(n.bytes)),
          NumberText.bytes(Double(n.byScope[.crossZone] ?? 0)), NumberText.bytes(Double(n.byScope[.crossRegion] ?? 0)),
          n.crossShare.map { NumberText.fixed($0 * 100, 1) + "%" } ?? "-", rate(n.bytes), month(n.costUSD),
        ])
      }
    }
    var widths = header.map(\.count)
    for row in rows { for (i, f) in row.enumerated() { widths[i] = max(widths[i], f.count) } }
    func line(_ fields: [String]) -> String {
      fields.enumerated().map { i, f in
        let pad = String(repeating: " ", count: widths[i] - f.count)
        return i >= 3 || ((groupBy == .workload || groupBy == .namespace) && i >= 2) ? pad + f : f + pad
      }.joined(separator: "  ") + "\n"
    }
    let scopes = r.bytesByScope
    // Zone and region rows hold no internet egress; say how the total splits so the rows add up.
    var split = ""
    if r.internetCostUSD > 0 {
      split = " (\(NumberText.usd(r.totalCostUSD - r.internetCostUSD)) between "
      split += groupBy == .region ? "regions" : "zones"
      split += " + \(NumberText.usd(r.internetCostUSD)) internet egress"
      split += groupBy == .workload || groupBy == .namespace ? ", which the rows include)" : ")"
    }
    var out =
      "Window \(RFC3339.format(ms: r.windowStartMs)) to \(RFC3339.format(ms: r.windowEndMs)) (\(DurationText.format(ms: r.windowEndMs - r.windowStartMs)))"
    out +=
      ", reporter policy \(r.options.policy.rawValue), pricing \(Sanitize.short(r.options.pricing.name)) per \(r.options.pricing.unitName) (estimates)\n"
    out +=
      "Cross-zone \(NumberText.bytes(Double(scopes[.crossZone] ?? 0))), cross-region \(NumberText.bytes(Double(scopes[.crossRegion] ?? 0)))"
    out +=
      ", unknown locality \(NumberText.bytes(Double(scopes[.unknown] ?? 0))), total cost \(NumberText.usd(r.totalCostUSD))\(split)"
    if hasRate { out += " (\(NumberText.usd(r.perMonth(r.totalCostUSD)))/month)" }
    if let line = gatewayLine(r.gateway) { out += "\n" + line }
    if let targets { out += "\n" + targetsLine(targets) }
    out += "\n\n" + line(header)
    for row in rows { out += line(row) }
    if rows.isEmpty { out += "(no traffic in the window)\n" }
    return out
  }
}
