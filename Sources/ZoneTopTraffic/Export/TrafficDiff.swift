import ZoneTopExposition

/// What `zonetop diff` groups by.
public enum DiffGroup: String, Sendable, CaseIterable {
  case zone, region, cluster, service, workload, namespace

  /// The key columns of its rows, in order.
  public var keyColumns: [String] {
    switch self {
    case .zone: ["source_region", "source_zone", "destination_region", "destination_zone", "scope"]
    case .region: ["source_region", "destination_region", "scope"]
    case .cluster: ["source_cluster", "destination_cluster", "scope"]
    case .service: ["destination_service"]
    case .workload: ["source_cluster", "source_namespace", "source_workload", "destination_service"]
    case .namespace: ["source_namespace"]
    }
  }
}

/// One side of a comparison: rates per group key over its window, and its crossing totals.
///
/// Rates (bytes per second) and projected costs (USD per month), not byte counts, so windows
/// of different lengths compare.
public struct DiffSide: Sendable {
  /// Where it came from, as the user named it.
  public var label: String
  public var windowStartMs: Int64
  public var windowEndMs: Int64
  /// Bytes per second and USD per month per key (the values of `DiffGroup.keyColumns`).
  public var rows: [[String]: (bytesPerSecond: Double, costPerMonth: Double)] = [:]
  public var crossZoneBytesPerSecond: Double = 0
  public var crossRegionBytesPerSecond: Double = 0
  /// Cross-zone plus cross-region USD per month (internet egress is not in it).
  public var crossCostPerMonth: Double = 0

  public init(label: String, windowStartMs: Int64, windowEndMs: Int64) {
    self.label = label
    self.windowStartMs = windowStartMs
    self.windowEndMs = windowEndMs
  }

  /// The side of a report, grouped by `group`.
  public init(label: String, report r: TrafficReport, group: DiffGroup) {
    self.init(label: label, windowStartMs: r.windowStartMs, windowEndMs: r.windowEndMs)
    func add(_ key: [String], _ bytes: UInt64, _ cost: Double) {
      guard bytes > 0 || cost > 0 else { return }
      let old = rows[key] ?? (0, 0)
      rows[key] = (old.bytesPerSecond + r.perSecond(bytes), old.costPerMonth + r.perMonth(cost))
    }
    switch group {
    case .zone:
      for (p, s) in r.zonePairs {
        add([p.from.region, p.from.zone, p.to.region, p.to.zone, p.scope.rawValue], s.bytes, s.costUSD)
      }
    case .region:
      for (p, s) in r.regionPairs { add([p.from, p.to, ReportExport.regionScope(p)], s.bytes, s.costUSD) }
    case .cluster:
      for (p, s) in r.clusterPairs { add([p.from, p.to, ReportExport.regionScope(p.scope)], s.bytes, s.costUSD) }
    case .service:
      for (name, s) in r.services { add([name], s.bytes, s.costUSD) }
    case .workload:
      for (h, s) in r.hops {
        add([h.sourceCluster, h.sourceNamespace, h.sourceWorkload, h.destinationService], s.bytes, s.costUSD)
      }
    case .namespace:
      for (h, s) in r.hops { add([h.sourceNamespace], s.bytes, s.costUSD) }
    }
    let scopes = r.bytesByScope
    crossZoneBytesPerSecond = r.perSecond(scopes[.crossZone] ?? 0)
    crossRegionBytesPerSecond = r.perSecond(scopes[.crossRegion] ?? 0)
    crossCostPerMonth = r.perMonth(r.totalCostUSD - r.internetCostUSD)
  }

  public var windowSeconds: Double { Double(max(0, windowEndMs - windowStartMs)) / 1000 }
}

/// The comparison of two sides, row by row.
public struct TrafficDiff: Sendable {
  /// Whether a row is on both sides, only after (`new`) or only before (`gone`).
  public enum Status: String, Sendable {
    case changed, new, gone
  }

  public struct Row: Sendable {
    public var key: [String]
    public var before: (bytesPerSecond: Double, costPerMonth: Double)
    public var after: (bytesPerSecond: Double, costPerMonth: Double)
    public var status: Status
    public var changeBytesPerSecond: Double { after.bytesPerSecond - before.bytesPerSecond }
    public var changeCostPerMonth: Double { after.costPerMonth - before.costPerMonth }
    /// After over before, minus one; nil when there was nothing before.
    public var changeRatio: Double? {
      before.bytesPerSecond > 0 ? after.bytesPerSecond / before.bytesPerSecond - 1 : nil
    }
  }

  public var group: DiffGroup
  public var before: DiffSide
  public var after: DiffSide
  /// Rows by the size of their USD/month change, then of their rate change (either sign).
  public var rows: [Row]

  public init(before: DiffSide, after: DiffSide, group: DiffGroup) {
    self.group = group
    self.before = before
    self.after = after
    var rows: [Row] = []
    for key in Set(before.rows.keys).union(after.rows.keys) {
      let b = before.rows[key]
      let a = after.rows[key]
      rows.append(
        Row(
          key: key, before: b ?? (0, 0), after: a ?? (0, 0),
          status: b == nil ? .new : (a == nil ? .gone : .changed)))
    }
    self.rows = rows.sorted {
      (abs($1.changeCostPerMonth), abs($1.changeBytesPerSecond), $0.key.joined(separator: "\u{1}"))
        < (abs($0.changeCostPerMonth), abs($0.changeBytesPerSecond), $1.key.joined(separator: "\u{1}"))
    }
  }

  /// The relative change of the cross-zone plus cross-region cost, in percent (nil when
  /// there was none before).
  public var crossCostChangePercent: Double? {
    before.crossCostPerMonth > 0 ? (after.crossCostPerMonth / before.crossCostPerMonth - 1) * 100 : nil
  }

  // MARK: - Output

  public static func valueColumns() -> [String] {
    [
      "before_bytes_per_second", "after_bytes_per_second", "change_bytes_per_second", "change_ratio",
      "before_cost_usd_per_month", "after_cost_usd_per_month", "change_cost_usd_per_month",
    ]
  }

  /// CSV: the key columns, then the value columns (README "diff").
  public func csv() -> String {
    var out = CSV.row(group.keyColumns + Self.valueColumns())
    for r in rows {
      out += CSV.row(
        r.key.map(CSV.text) + [
          NumberText.fixed(r.before.bytesPerSecond, 3), NumberText.fixed(r.after.bytesPerSecond, 3),
          NumberText.fixed(r.changeBytesPerSecond, 3), r.changeRatio.map { NumberText.fixed($0, 6) } ?? "",
          NumberText.fixed(r.before.costPerMonth, 6), NumberText.fixed(r.after.costPerMonth, 6),
          NumberText.fixed(r.changeCostPerMonth, 6),
        ])
    }
    return out
  }

  public func json() -> String {
    func side(_ s: DiffSide) -> String {
      "{\"source\":\(JSON.string(s.label)),\"window_start\":\"\(RFC3339.format(ms: s.windowStartMs))\","
        + "\"window_end\":\"\(RFC3339.format(ms: s.windowEndMs))\",\"window_seconds\":\(JSON.number(s.windowSeconds, 3)),"
        + "\"cross_zone_bytes_per_second\":\(JSON.number(s.crossZoneBytesPerSecond, 3)),"
        + "\"cross_region_bytes_per_second\":\(JSON.number(s.crossRegionBytesPerSecond, 3)),"
        + "\"cross_cost_usd_per_month\":\(JSON.number(s.crossCostPerMonth))}"
    }
    let items = rows.map { r in
      let keys = zip(group.keyColumns, r.key).map { "\"\($0)\":\(JSON.string($1))" }.joined(separator: ",")
      return "{\(keys),\"status\":\"\(r.status.rawValue)\","
        + "\"before_bytes_per_second\":\(JSON.number(r.before.bytesPerSecond, 3)),"
        + "\"after_bytes_per_second\":\(JSON.number(r.after.bytesPerSecond, 3)),"
        + "\"change_bytes_per_second\":\(JSON.number(r.changeBytesPerSecond, 3)),"
        + "\"change_ratio\":\(r.changeRatio.map { JSON.number($0) } ?? "null"),"
        + "\"before_cost_usd_per_month\":\(JSON.number(r.before.costPerMonth)),"
        + "\"after_cost_usd_per_month\":\(JSON.number(r.after.costPerMonth)),"
        + "\"change_cost_usd_per_month\":\(JSON.number(r.changeCostPerMonth))}"
    }
    return "{\"group_by\":\"\(group.rawValue)\",\"costs_are_estimates\":true,\"before\":\(side(before)),"
      + "\"after\":\(side(after)),\"cross_cost_change_percent\":\(crossCostChangePercent.map { JSON.number($0, 3) } ?? "null"),"
      + "\"rows\":[\(items.joined(separator: ","))]}\n"
  }

  /// The summary line: crossing rates and cost before and after.
  public var summary: String {
    func rate(_ v: Double) -> String { NumberText.bytes(v, suffix: "B/s") }
    let percent = crossCostChangePercent.map { " (\($0 >= 0 ? "+" : "")\(NumberText.fixed($0, 1))%)" } ?? ""
    return "cross-zone \(rate(before.crossZoneBytesPerSecond)) -> \(rate(after.crossZoneBytesPerSecond)), "
      + "cross-region \(rate(before.crossRegionBytesPerSecond)) -> \(rate(after.crossRegionBytesPerSecond)), "
      + "cost \(NumberText.usd(before.crossCostPerMonth))/month -> \(NumberText.usd(after.crossCostPerMonth))/month"
      + percent
  }

  /// An aligned table for terminals, at most `limit` rows.
  public func table(limit: Int = 50) -> String {
    func window(_ s: DiffSide) -> String {
      "\(RFC3339.format(ms: s.windowStartMs)) to \(RFC3339.format(ms: s.windowEndMs)) "
        + "(\(DurationText.format(ms: s.windowEndMs - s.windowStartMs))), \(Sanitize.short(s.label, limit: 60))"
    }
    func rate(_ v: Double) -> String { NumberText.bytes(v, suffix: "B/s") }
    func signed(_ v: Double, _ text: (Double) -> String) -> String {
      v > 0 ? "+" + text(v) : (v < 0 ? "-" + text(-v) : text(0))
    }
    var out = "Before \(window(before))\nAfter  \(window(after))\n\(summary) (estimates)\n\n"
    let header =
      group.keyColumns.map { $0.uppercased().replacingOccurrences(of: "_", with: " ") } + [
        "BEFORE", "AFTER", "CHANGE", "%", "USD/MO BEFORE", "USD/MO AFTER", "USD/MO CHANGE",
      ]
    var lines = [header]
    for r in rows.prefix(limit) {
      let ratio: String
      switch r.status {
      case .new: ratio = "new"
      case .gone: ratio = "gone"
      case .changed: ratio = r.changeRatio.map { signed($0 * 100) { NumberText.fixed($0, 1) } + "%" } ?? "-"
      }
      lines.append(
        r.key.map { Sanitize.short($0, limit: 44) } + [
          rate(r.before.bytesPerSecond), rate(r.after.bytesPerSecond),
          signed(r.changeBytesPerSecond) { rate($0) }, ratio, NumberText.usd(r.before.costPerMonth),
          NumberText.usd(r.after.costPerMonth), signed(r.changeCostPerMonth) { NumberText.usd($0) },
        ])
    }
    var widths = header.map { _ in 0 }
    for l in lines { for (i, f) in l.enumerated() { widths[i] = max(widths[i], f.count) } }
    let keys = group.keyColumns.count
    for l in lines {
      out +=
        l.enumerated().map { i, f in
          let pad = String(repeating: " ", count: widths[i] - f.count)
          return i < keys ? f + pad : pad + f
        }.joined(separator: "  ") + "\n"
    }
    if rows.isEmpty { out += "(no traffic on either side)\n" }
    if rows.count > limit { out += "(\(rows.count - limit) more rows: --format csv lists them all)\n" }
    return out
  }
}
