import ZoneTopTraffic

/// The costliest crossing pairs of the Zones and Regions views, ranked: the answer to "what
/// costs money" without reading the matrix (whose biggest numbers sit on the free diagonal).
public enum CostStrip {
  /// One ranked pair: its matrix row and column, names, scope, rate and cost per month.
  public struct Entry: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var from: String
    public var to: String
    public var scope: String
    public var bytesPerSecond: Double
    public var costPerMonth: Double
  }

  /// The crossing pairs of the view's matrix with a cost, costliest first (the diagonal is
  /// free and never listed).
  public static func entries(_ r: TrafficReport, regions: Bool) -> [Entry] {
    var out: [Entry] = []
    if regions {
      let names = r.regions
      for (i, a) in names.enumerated() {
        for (j, z) in names.enumerated() where i != j {
          guard let p = r.regionPairs[RegionPair(from: a, to: z)], p.costUSD > 0 else { continue }
          out.append(
            Entry(
              row: i, column: j, from: a, to: z, scope: "cross-region", bytesPerSecond: r.perSecond(p.bytes),
              costPerMonth: r.perMonth(p.costUSD)))
        }
      }
    } else {
      let zones = r.zones
      for (i, a) in zones.enumerated() {
        for (j, z) in zones.enumerated() where i != j {
          let pair = ZonePair(from: a, to: z)
          guard let p = r.zonePairs[pair], p.costUSD > 0 else { continue }
          out.append(
            Entry(
              row: i, column: j, from: ViewRows.zoneName(a), to: ViewRows.zoneName(z), scope: pair.scope.rawValue,
              bytesPerSecond: r.perSecond(p.bytes), costPerMonth: r.perMonth(p.costUSD)))
        }
      }
    }
    return out.sorted { ($0.costPerMonth, $1.from, $1.to) > ($1.costPerMonth, $0.from, $0.to) }
  }

  /// Draws the ranked pairs from `top`, as many as `height` rows hold (none below three).
  static func draw(_ b: inout CellBuffer, _ r: TrafficReport, regions: Bool, top: Int, height: Int) {
    let list = entries(r, regions: regions)
    guard height >= 3, !list.isEmpty else { return }
    let total = r.perMonth(r.totalCostUSD - r.internetCostUSD)
    b.hline(x: 0, y: top, width: b.width)
    b.text(
      "costliest crossing pairs (c jumps to the first) · USD/month, share of the crossing cost", x: 1, y: top + 1,
      role: .title, bold: true, maxWidth: b.width - 2)
    let nameWidth = min(28, max(8, list.prefix(height - 2).map { max($0.from.count, $0.to.count) }.max() ?? 8))
    for (k, e) in list.prefix(height - 2).enumerated() {
      let share = total > 0 ? NumberText.fixed(100 * e.costPerMonth / total, 1) + "%" : "-"
      var x = 1
      x += b.text(String(k + 1).leftPadded(3) + ". ", x: x, y: top + 2 + k, role: .dim)
      x += b.text(Renderer.middleTruncated(e.from, nameWidth).padded(nameWidth), x: x, y: top + 2 + k, role: .normal)
      x += b.text(" → ", x: x, y: top + 2 + k, role: .dim)
      x += b.text(Renderer.middleTruncated(e.to, nameWidth).padded(nameWidth), x: x, y: top + 2 + k, role: .normal)
      x += b.text("  " + e.scope.padded(12), x: x, y: top + 2 + k, role: e.scope == "cross-region" ? .warning : .normal)
      x += b.text(NumberText.bytes(e.bytesPerSecond, suffix: "B/s").leftPadded(11), x: x, y: top + 2 + k, role: .normal)
      x += b.text(
        (NumberText.usd(e.costPerMonth) + "/month").leftPadded(16), x: x, y: top + 2 + k, role: .normal, bold: true)
      b.text(share.leftPadded(7), x: x, y: top + 2 + k, role: .dim)
    }
  }
}

extension String {
  /// The string with spaces after it up to `width` characters.
  func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
  /// The string with spaces before it up to `width` characters.
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
