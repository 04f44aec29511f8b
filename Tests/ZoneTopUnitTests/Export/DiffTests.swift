import Foundation
import Testing
import ZoneTopFiles
import ZoneTopTraffic

/// `zonetop diff` on the fixture pair (scripts/gen_diff.py: the demo mesh before and after
/// PreferSameZone on three services) against the truth computed from the simulated flows.
@Suite struct DiffTests {
  static let dir = TestPaths.fixtures + "/diff"

  struct Truth {
    var seconds: Double
    var zones: [[String]: UInt64] = [:]
    var services: [[String]: UInt64] = [:]
    var workloads: [[String]: UInt64] = [:]
  }

  static func truth(_ side: String) throws -> Truth {
    let doc = try JSONSerialization.jsonObject(with: Data(try Files.read(dir + "/truth.json"))) as! [String: Any]
    let s = doc[side] as! [String: Any]
    func ms(_ k: String) -> Int64 { (s[k] as! NSNumber).int64Value }
    var t = Truth(seconds: Double(ms("window_end_ms") - ms("window_start_ms")) / 1000)
    func bytes(_ r: [String: Any]) -> UInt64 { (r["bytes"] as! NSNumber).uint64Value }
    for r in s["zone_pairs"] as! [[String: Any]] {
      let from = Locality(region: r["source_region"] as! String, zone: r["source_zone"] as! String)
      let to = Locality(region: r["destination_region"] as! String, zone: r["destination_zone"] as! String)
      t.zones[[from.region, from.zone, to.region, to.zone, Scope.of(from, to).rawValue]] = bytes(r)
    }
    for r in s["services"] as! [[String: Any]] { t.services[[r["destination_service"] as! String]] = bytes(r) }
    for r in s["workloads"] as! [[String: Any]] {
      let ns = r["source_namespace"] as! String
      // Non-mesh clients have no cluster label; the mesh's workloads are in cluster "Kubernetes".
      let cluster = ns == "unknown" ? "unknown" : "Kubernetes"
      t.workloads[[cluster, ns, r["source_workload"] as! String, r["destination_service"] as! String]] = bytes(r)
    }
    return t
  }

  static func diff(_ group: DiffGroup) throws -> TrafficDiff {
    var problems: [String] = []
    let sides = try ["before", "after"].map {
      try DiffInput.side(
        path: dir + "/\($0).ztrec.gz", from: nil, to: nil, group: group, options: ReportOptions(), threads: 2,
        problems: &problems)
    }
    #expect(problems.isEmpty, "\(problems)")
    return TrafficDiff(before: sides[0], after: sides[1], group: group)
  }

  static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

  @Test(arguments: [DiffGroup.zone, .service, .workload])
  func ratesAndChangesAreExact(_ group: DiffGroup) throws {
    let before = try Self.truth("before")
    let after = try Self.truth("after")
    let diff = try Self.diff(group)
    func pick(_ t: Truth) -> [[String]: UInt64] {
      switch group {
      case .zone: t.zones
      case .service: t.services
      default: t.workloads
      }
    }
    let b = pick(before)
    let a = pick(after)
    #expect(Set(diff.rows.map(\.key)) == Set(b.keys).union(a.keys))
    for row in diff.rows {
      let wantBefore = Double(b[row.key] ?? 0) / before.seconds
      let wantAfter = Double(a[row.key] ?? 0) / after.seconds
      #expect(Self.close(row.before.bytesPerSecond, wantBefore), "\(row.key) before")
      #expect(Self.close(row.after.bytesPerSecond, wantAfter), "\(row.key) after")
      #expect(Self.close(row.changeBytesPerSecond, wantAfter - wantBefore), "\(row.key) change")
      #expect(row.status == (b[row.key] == nil ? .new : (a[row.key] == nil ? .gone : .changed)))
    }
  }

  /// PreferSameZone on cart, reviews and eu-cart: their clients' cross-zone rates fell, and
  /// the costliest change is a cross-zone pair going down.
  @Test func theChangeShowsWhereItWorked() throws {
    let diff = try Self.diff(.zone)
    #expect(diff.after.crossZoneBytesPerSecond < diff.before.crossZoneBytesPerSecond)
    let top = try #require(diff.rows.first)
    #expect(top.key[4] == "cross-zone" && top.changeCostPerMonth < 0, "\(top.key)")
    // Sorted by the size of the USD/month change.
    let sizes = diff.rows.map { abs($0.changeCostPerMonth) }
    #expect(sizes == sizes.sorted(by: >))
    let services = try Self.diff(.service)
    let cart = try #require(services.rows.first { $0.key == ["cart.shop.svc.cluster.local"] })
    #expect(cart.changeCostPerMonth < 0)
    #expect(
      diff.csv().hasPrefix(
        "source_region,source_zone,destination_region,destination_zone,scope,before_bytes_per_second,"
          + "after_bytes_per_second,change_bytes_per_second,change_ratio,before_cost_usd_per_month,"
          + "after_cost_usd_per_month,change_cost_usd_per_month\r\n"))
  }

  /// Two windows of one recording: each takes the rounds whose scrapes both lie inside.
  @Test func windowsOfOneRecording() throws {
    var problems: [String] = []
    let path = Self.dir + "/before.ztrec.gz"
    let first = try DiffInput.side(
      path: path, from: TimeSpec("+0s"), to: TimeSpec("+1m"), group: .zone, options: ReportOptions(), threads: 1,
      problems: &problems)
    let second = try DiffInput.side(
      path: path, from: TimeSpec("+1m"), to: TimeSpec("-0s"), group: .zone, options: ReportOptions(), threads: 1,
      problems: &problems)
    let whole = try DiffInput.side(
      path: path, from: nil, to: nil, group: .zone, options: ReportOptions(), threads: 1, problems: &problems)
    #expect(first.windowStartMs == whole.windowStartMs)
    #expect(second.windowEndMs == whole.windowEndMs)
    #expect(first.windowEndMs <= second.windowStartMs + 5000)
    #expect(first.windowEndMs - first.windowStartMs <= 60_000)
    // The two halves' bytes add up to the whole (rates weighted by their windows).
    let total = { (s: DiffSide) in s.crossZoneBytesPerSecond * s.windowSeconds }
    let gap = whole.windowSeconds - first.windowSeconds - second.windowSeconds
    #expect(gap >= 0 && gap <= 5.1, "one interval at most falls between the windows: \(gap)")
    #expect(total(first) + total(second) <= total(whole) + 1)
    #expect(TimeSpec("2025-03-03T10:01:00Z") == .absolute(1_740_996_060_000))
    #expect(TimeSpec("yesterday") == nil)
    #expect(TimeSpec("end-5m") == .beforeEnd(300_000) && TimeSpec("end") == .beforeEnd(0))
    #expect(TimeSpec("start+90s") == .afterStart(90_000) && TimeSpec("start") == .afterStart(0))
  }

  /// A `snapshot --format json` side gives the same rates as the recording it came from.
  @Test func snapshotJSONIsASide() throws {
    var problems: [String] = []
    let report = OfflineAggregation.report(
      source: try OfflineSource(path: Self.dir + "/before.ztrec.gz"), windowMs: nil, options: ReportOptions(),
      problems: &problems)
    let path = NSTemporaryDirectory() + "zonetop-diff-\(UInt32.random(in: 0...UInt32.max)).json"
    try Files.writeAtomically(Array(ReportExport.json(report, groupBy: .zone).utf8), to: path)
    defer { unlink(path) }
    let json = try DiffInput.side(
      path: path, from: nil, to: nil, group: .zone, options: ReportOptions(), threads: 1, problems: &problems)
    let direct = DiffSide(label: "x", report: report, group: .zone)
    #expect(Set(json.rows.keys) == Set(direct.rows.keys))
    for (key, v) in direct.rows {
      #expect(abs(json.rows[key]!.bytesPerSecond - v.bytesPerSecond) < 0.001, "\(key)")
      #expect(abs(json.rows[key]!.costPerMonth - v.costPerMonth) < 1e-5, "\(key)")
    }
    #expect(abs(json.crossCostPerMonth - direct.crossCostPerMonth) < 1e-4)
    // A snapshot grouped otherwise is refused with what it needs.
    do {
      _ = try DiffInput.side(
        path: path, from: nil, to: nil, group: .region, options: ReportOptions(), threads: 1, problems: &problems)
      Issue.record("a zone snapshot was taken for a region diff")
    } catch {
      #expect(error.description.contains("was made with --group-by zone; diff --group-by region needs"))
    }
  }

  @Test func findingsNameTheHopsTheirZonesAndASuggestion() throws {
    var problems: [String] = []
    let report = OfflineAggregation.report(
      source: try OfflineSource(path: Self.dir + "/before.ztrec.gz"), windowMs: nil, options: ReportOptions(),
      problems: &problems)
    let routing: (String) -> ServiceRouting? = {
      $0.hasPrefix("catalog.") ? ServiceRouting(trafficDistribution: "PreferSameZone", from: "spec") : nil
    }
    let list = Findings.findings(report, routing: routing)
    let crossCost = report.totalCostUSD - report.internetCostUSD
    let listed = list.reduce(0) { $0 + $1.stats.costUSD }
    #expect(listed >= 0.9 * crossCost)
    #expect(listed - list.last!.stats.costUSD < 0.9 * crossCost, "no more hops than 90% needs")
    let md = Findings.markdown(report, routing: routing, routingKnown: true)
    #expect(md.contains("| 1 | edge/ingress-gateway | frontend.shop.svc.cluster.local |"), "\(md)")
    #expect(md.contains("no routing preference: consider `trafficDistribution: PreferSameZone`"), "\(md)")
    let catalog = try #require(list.first { $0.hop.destinationService.hasPrefix("catalog.") })
    #expect(Findings.suggestion(catalog, routingKnown: true).hasPrefix("PreferSameZone is set but"))
  }
}
