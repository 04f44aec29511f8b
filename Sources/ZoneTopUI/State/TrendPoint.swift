/// One round of the cost-over-time graph (the Trend view): what the round's traffic costs per
/// month at its rate, and its crossing rates.
public struct TrendPoint: Sendable, Equatable {
  public var endMs: Int64
  public var costPerMonth: Double
  public var crossZoneRate: Double
  public var crossRegionRate: Double

  public init(endMs: Int64, costPerMonth: Double, crossZoneRate: Double, crossRegionRate: Double) {
    self.endMs = endMs
    self.costPerMonth = costPerMonth
    self.crossZoneRate = crossZoneRate
    self.crossRegionRate = crossRegionRate
  }
}
