import Testing
import ZoneTopTraffic
import ZoneTopUI

/// Health's line on zonetop's own scrapes: what they move, and with `--zone` what crosses.
@Suite struct FootprintTests {
  func health(_ target: String, wire: Int) -> TargetHealth {
    var h = TargetHealth(target: target)
    h.lastWireBytes = wire
    h.up = true
    return h
  }

  func qualityText(_ s: AppState) -> String {
    Renderer.render(s, width: 200, height: 40).0.lines.joined(separator: "\n")
  }

  @Test func theCrossingPartIsPricedFromTheTargetsZones() {
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    s.view = .health
    s.intervalMs = 5000
    s.health = [health("a", wire: 1_000_000), health("b", wire: 2_000_000), health("c", wire: 4_000_000)]
    var d = DiscoveryStatus(summary: "3 ztunnel pods")
    d.nodes = [
      "a": NodeLocality(node: "a", zone: "us-east1-b", region: "us-east1"),
      "b": NodeLocality(node: "b", zone: "us-east1-c", region: "us-east1"),
      "c": NodeLocality(node: "c", zone: "europe-west1-b", region: "europe-west1"),
    ]
    s.discovery = d
    // Without --zone: the bytes, and how to get their price.
    var text = qualityText(s)
    #expect(text.contains("zonetop's own scrapes: 7.00 MB a round"), "\(text)")
    #expect(text.contains("--zone prices what crosses zones"), "\(text)")
    s.ownZone = "us-east1-b"
    text = qualityText(s)
    let rounds = PricingProfile.hoursPerMonth * 3600 / 5
    let own = Locality(region: "us-east1", zone: "us-east1-b")
    let cost =
      PricingProfile.aws.cost(
        bytes: 2_000_000, from: Locality(region: "us-east1", zone: "us-east1-c"), to: own, scope: .crossZone)
      + PricingProfile.aws.cost(
        bytes: 4_000_000, from: Locality(region: "europe-west1", zone: "europe-west1-b"), to: own,
        scope: .crossRegion)
    let expected =
      "to us-east1-b a month: \(NumberText.bytes(2e6 * rounds)) from other zones, "
      + "\(NumberText.bytes(4e6 * rounds)) from other regions, \(NumberText.usd(cost * rounds))/month"
    #expect(text.contains(expected), "\(text)")
    #expect(cost > 0)
    // In a pod, NODE_NAME's zone (discovery lists every node with a ztunnel) prices the same.
    s.ownZone = nil
    s.ownNode = "a"
    #expect(qualityText(s).contains(expected))
    // A target whose zone is not known is said, not counted as free.
    s.health.append(health("d", wire: 1000))
    #expect(qualityText(s).contains("zone unknown for 1 target"))
  }
}
