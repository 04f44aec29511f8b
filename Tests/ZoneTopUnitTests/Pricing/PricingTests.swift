import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Each pricing profile by hand-computed examples.
@Suite struct PricingTests {
  let useB = Locality(region: "us-east-1", zone: "us-east-1b")
  let useC = Locality(region: "us-east-1", zone: "us-east-1c")
  let euw = Locality(region: "eu-west-1", zone: "eu-west-1a")
  let gib: UInt64 = 1 << 30

  @Test func awsBillsCrossZoneOnBothSides() {
    // 10 GiB across zones: 0.01 out + 0.01 in per GB = 0.20 USD.
    #expect(abs(PricingProfile.aws.cost(bytes: 10 * gib, from: useB, to: useC, scope: .crossZone) - 0.20) < 1e-12)
    // 10 GiB across regions: 0.02 billed to the sender = 0.20 USD.
    #expect(abs(PricingProfile.aws.cost(bytes: 10 * gib, from: useB, to: euw, scope: .crossRegion) - 0.20) < 1e-12)
    #expect(PricingProfile.aws.cost(bytes: 10 * gib, from: useB, to: useB, scope: .sameZone) == 0)
  }

  @Test func gcpBillsTheSender() {
    #expect(abs(PricingProfile.gcp.cost(bytes: 10 * gib, from: useB, to: useC, scope: .crossZone) - 0.10) < 1e-12)
    #expect(abs(PricingProfile.gcp.internetCost(bytes: 10 * gib) - 1.20) < 1e-12)
  }

  @Test func azureCrossZoneIsFree() {
    #expect(PricingProfile.azure.cost(bytes: 10 * gib, from: useB, to: useC, scope: .crossZone) == 0)
    // Azure's GB is 10^9 bytes: 5 * 10^9 bytes across regions at 0.02 = 0.10 USD.
    #expect(
      abs(PricingProfile.azure.cost(bytes: 5_000_000_000, from: useB, to: euw, scope: .crossRegion) - 0.10) < 1e-12)
  }

  @Test func unknownScopeCostsNothing() {
    #expect(PricingProfile.aws.cost(bytes: gib, from: .unknown, to: useB, scope: .unknown) == 0)
  }

  @Test func yamlOverridesRegionPairAndOverhead() throws {
    let yaml = """
      base: gcp
      name: gcp-negotiated
      overhead: 1.05
      cross_zone:
        usd_per_gb: 0.008
      region_pairs:
        - from: us-east-1
          to: eu-west-1
          usd_per_gb: 0.05

      """
    let p = try PricingLoader.parse(yaml, path: "prices.yaml")
    #expect(p.name == "gcp-negotiated")
    #expect(p.crossZoneBilled == .sender)
    // 10 GiB across the overridden pair: 10 * 1.05 * 0.05 = 0.525 USD.
    #expect(abs(p.cost(bytes: 10 * gib, from: useB, to: euw, scope: .crossRegion) - 0.525) < 1e-12)
    // The other direction keeps the default price: 10 * 1.05 * 0.02 = 0.21.
    #expect(abs(p.cost(bytes: 10 * gib, from: euw, to: useB, scope: .crossRegion) - 0.21) < 1e-12)
    // Cross-zone with overhead: 10 * 1.05 * 0.008 = 0.084.
    #expect(abs(p.cost(bytes: 10 * gib, from: useB, to: useC, scope: .crossZone) - 0.084) < 1e-12)
  }

  @Test func yamlErrorsNameFieldAndLine() {
    let cases: [(String, String)] = [
      (
        "base: aws\ncross_zone:\n  billed: everyone\n",
        "prices.yaml:3: cross_zone.billed: expected sender, receiver or both"
      ),
      ("overhead: 7\n", "prices.yaml:1: overhead: expected a factor from 1.0 to 2.0"),
      ("cross_region:\n  usd_per_gb: -1\n", "prices.yaml:2: cross_region.usd_per_gb: expected a number >= 0"),
      ("bogus: 1\n", "prices.yaml:1: unknown field \"bogus\""),
      ("- a\n", "prices.yaml:1: expected a mapping"),
    ]
    for (yaml, message) in cases {
      do {
        _ = try PricingLoader.parse(yaml, path: "prices.yaml")
        Issue.record("\(yaml) should fail")
      } catch {
        #expect(error.description.hasPrefix(message), "\(error.description)")
      }
    }
  }

  @Test func monthlyProjectionUses730Hours() {
    // 1 USD over one hour is 730 USD a month.
    #expect(PricingProfile.perMonth(1, overSeconds: 3600) == 730)
  }

  @Test func egressPricedAsInternetOnlyWhenAsked() throws {
    let source = try OfflineSource(path: TestPaths.demoRecording)
    var problems: [String] = []
    let plain = OfflineAggregation.report(source: source, windowMs: nil, options: ReportOptions(), problems: &problems)
    let internet = OfflineAggregation.report(
      source: source, windowMs: nil, options: ReportOptions(egressAsInternet: true), problems: &problems)
    #expect(plain.internetCostUSD == 0)
    let hosts: Set = ["api.payments-provider.example", "smtp.mail-relay.example", "203.0.113.40"]
    let outbound = internet.hops.filter { hosts.contains($0.key.destinationService) }.reduce(UInt64(0)) {
      $0 + $1.value.forward
    }
    #expect(outbound > 0)
    #expect(abs(internet.internetCostUSD - Double(outbound) / Double(gib) * 0.09) < 1e-9)
    #expect(abs(internet.totalCostUSD - plain.totalCostUSD - internet.internetCostUSD) < 1e-9)
  }
}
