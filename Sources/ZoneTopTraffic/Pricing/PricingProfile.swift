import ZoneTopExposition

/// Who a cloud bills for a byte that crosses a boundary.
public enum BilledSide: String, Sendable, CaseIterable {
  case sender, receiver, both

  /// How many times one byte moved is billed.
  public var multiplier: Double { self == .both ? 2 : 1 }
}

/// Prices for cross-zone, cross-region and internet traffic (US dollars per GB).
public struct PricingProfile: Sendable, Equatable {
  public var name: String
  public var crossZonePerGB: Double
  public var crossZoneBilled: BilledSide
  public var crossRegionPerGB: Double
  public var crossRegionBilled: BilledSide
  public var internetEgressPerGB: Double
  /// Bytes in the profile's GB (10^9 or 2^30).
  public var bytesPerGB: Double
  /// Wire bytes per payload byte (TLS, HBONE and TCP/IP overhead), 1.0 for none.
  public var overhead: Double
  /// Per region pair (from, to) overrides of the cross-region price per GB.
  public var regionPairs: [RegionPair: Double]
  /// Where the prices come from, and when they were read.
  public var source: String

  /// AWS: 0.01 USD/GB in each direction for cross-AZ (billed on both sides), 0.02 inter-region, 0.09 internet.
  public static let aws = PricingProfile(
    name: "aws", crossZonePerGB: 0.01, crossZoneBilled: .both, crossRegionPerGB: 0.02, crossRegionBilled: .sender,
    internetEgressPerGB: 0.09, bytesPerGB: 1_073_741_824, overhead: 1.0, regionPairs: [:],
    source: "AWS EC2 On-Demand pricing, Data Transfer section (read 2025-03)")
  /// GCP: 0.01 USD/GiB inter-zone and 0.02 inter-region (varies by pair) billed to the sender, 0.12 internet.
  public static let gcp = PricingProfile(
    name: "gcp", crossZonePerGB: 0.01, crossZoneBilled: .sender, crossRegionPerGB: 0.02, crossRegionBilled: .sender,
    internetEgressPerGB: 0.12, bytesPerGB: 1_073_741_824, overhead: 1.0, regionPairs: [:],
    source: "Google Cloud VPC network pricing, VM-to-VM data transfer (read 2025-03)")
  /// Azure: inter-AZ free since 2024, 0.02 USD/GB inter-region billed to the sender, 0.087 internet.
  public static let azure = PricingProfile(
    name: "azure", crossZonePerGB: 0, crossZoneBilled: .both, crossRegionPerGB: 0.02, crossRegionBilled: .sender,
    internetEgressPerGB: 0.087, bytesPerGB: 1_000_000_000, overhead: 1.0, regionPairs: [:],
    source: "Azure Bandwidth pricing; inter-availability-zone charges withdrawn in 2024 (read 2025-03)")

  public static let builtIn: [PricingProfile] = [.aws, .gcp, .azure]

  /// The price per GB of moving bytes between two localities (nil when free or unknown).
  public func pricePerGB(from: Locality, to: Locality, scope: Scope) -> Double {
    switch scope {
    case .sameZone, .unknown: return 0
    case .crossZone: return crossZonePerGB * crossZoneBilled.multiplier
    case .crossRegion:
      let price = regionPairs[RegionPair(from: from.region, to: to.region)] ?? crossRegionPerGB
      return price * crossRegionBilled.multiplier
    }
  }

  /// US dollars for `bytes` payload bytes moved between two localities.
  public func cost(bytes: UInt64, from: Locality, to: Locality, scope: Scope) -> Double {
    Double(bytes) * overhead / bytesPerGB * pricePerGB(from: from, to: to, scope: scope)
  }

  /// US dollars for `bytes` sent to the internet.
  public func internetCost(bytes: UInt64) -> Double {
    Double(bytes) * overhead / bytesPerGB * internetEgressPerGB
  }

  /// Hours in the month used for projections.
  public static let hoursPerMonth = 730.0

  /// Projects a cost over `seconds` to a 730-hour month.
  public static func perMonth(_ cost: Double, overSeconds seconds: Double) -> Double {
    seconds > 0 ? cost / seconds * hoursPerMonth * 3600 : 0
  }
}
