import ZoneTopTraffic

extension ReportExport {
  /// Services view CSV.
  ///
  /// `traffic_distribution` is the Service's stated preference, known with `--kube`.
  public static func servicesCSV(_ rows: [ServiceLocality], _ r: TrafficReport, discovery: DiscoveryStatus? = nil)
    -> String
  {
    var out = CSV.row([
      "window_start", "window_end", "destination_service", "bytes", "in_zone_share", "same_zone_bytes",
      "cross_zone_bytes", "cross_region_bytes", "unknown_locality_bytes", "cost_usd", "cost_usd_per_month",
      "traffic_distribution",
    ])
    for s in rows {
      out += CSV.row([
        RFC3339.format(ms: r.windowStartMs), RFC3339.format(ms: r.windowEndMs), CSV.text(s.service), String(s.bytes),
        s.inZoneShare.map { NumberText.fixed($0, 4) } ?? "", String(s.byScope[.sameZone] ?? 0),
        String(s.byScope[.crossZone] ?? 0), String(s.byScope[.crossRegion] ?? 0), String(s.byScope[.unknown] ?? 0),
        NumberText.fixed(s.costUSD, 6), NumberText.fixed(r.perMonth(s.costUSD), 6),
        CSV.text(discovery?.routing(ofService: s.service)?.trafficDistribution ?? ""),
      ])
    }
    return out
  }

  /// Health view CSV.
  ///
  /// `counter_resets` counts series; `restarts` the scrapes in which any reset (one per restart).
  public static func healthCSV(_ health: [TargetHealth], restarts: [String: Int] = [:]) -> String {
    var out = CSV.row([
      "target", "up", "scrapes", "failures", "last_scrape", "latency_seconds", "series", "invalid_lines",
      "counter_resets", "restarts", "series_without_locality", "last_error",
    ])
    for h in health {
      out += CSV.row([
        CSV.text(h.target), h.up ? "true" : "false", String(h.scrapes), String(h.failures),
        h.lastScrapeMs.map { RFC3339.format(ms: $0) } ?? "", h.lastLatency.map { NumberText.fixed($0, 3) } ?? "",
        String(h.series), String(h.invalidLines), String(h.counterResets), String(restarts[h.target] ?? 0),
        String(h.seriesWithoutLocality),
        CSV.text(h.lastError ?? ""),
      ])
    }
    return out
  }

  /// The CSV of what a view shows.
  public static func viewCSV(_ state: AppState) -> (name: String, text: String, rows: Int)? {
    if state.view == .health {
      let sorted = ViewRows.healthRows(state).rows
      return ("health", healthCSV(sorted, restarts: state.restarts), sorted.count)
    }
    guard let r = state.report else { return nil }
    if state.isDrilling {
      let rows = ViewRows.drillRows(r, state)
      return ("drill", drillCSV(rows, r, state), rows.count)
    }
    switch state.view {
    case .zones: return ("zones", csv(r, groupBy: .zone), zoneRows(r).count)
    case .regions: return ("regions", csv(r, groupBy: .region), regionRows(r).count)
    case .flows: return ("flows", csv(r, groupBy: .workload), workloadRows(r).count)
    case .services:
      let rows = ViewRows.serviceRows(r, state)
      return ("services", servicesCSV(rows, r, discovery: state.discovery), rows.count)
    case .namespaces:
      let rows = ViewRows.namespaceRows(r, state)
      return ("namespaces", namespaceCSV(rows, r), rows.count)
    case .trend:
      var out = CSV.row([
        "round_end", "cost_usd_per_month", "cross_zone_bytes_per_second", "cross_region_bytes_per_second",
      ])
      for p in state.trend {
        out += CSV.row([
          RFC3339.format(ms: p.endMs), NumberText.fixed(p.costPerMonth, 6), NumberText.fixed(p.crossZoneRate, 3),
          NumberText.fixed(p.crossRegionRate, 3),
        ])
      }
      return ("trend", out, state.trend.count)
    case .health: return nil
    }
  }

  /// The drill-down's CSV: its rows in the order on screen (a matrix cell's hops, a hop's zone
  /// pairs, a service's clients by zone, where the hop columns are empty).
  public static func drillCSV(_ rows: [ViewRows.DrillRow], _ r: TrafficReport, _ state: AppState) -> String {
    let place = state.drillRegion != nil ? "region" : "zone"
    var out = CSV.row([
      "window_start", "window_end", "source_\(place)", "destination_\(place)", "source_namespace", "source_workload",
      "destination_service", "direction", "scope", "bytes", "bytes_per_second", "connections_opened", "cost_usd",
      "cost_usd_per_month",
    ])
    for row in rows {
      let service = row.hop?.destinationService ?? state.drillService ?? ""
      out += CSV.row([
        RFC3339.format(ms: r.windowStartMs), RFC3339.format(ms: r.windowEndMs), CSV.text(row.from), CSV.text(row.to),
        CSV.text(row.hop?.sourceNamespace ?? ""), CSV.text(row.hop?.sourceWorkload ?? ""), CSV.text(service),
        row.request.map { $0 ? "request" : "response" } ?? "both", row.scope.rawValue, String(row.bytes),
        NumberText.fixed(r.perSecond(row.bytes), 3), String(row.opened), NumberText.fixed(row.costUSD, 6),
        NumberText.fixed(r.perMonth(row.costUSD), 6),
      ])
    }
    return out
  }
}
