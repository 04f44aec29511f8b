import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// Several `--prometheus` servers: their URLs, the per-flow sum of their answers, their
/// health; and what a server's `sum by` keeps of the multi-cluster fixture.
@Suite struct PrometheusMergeTests {
  static func key(_ cluster: String, _ workload: String = "client") -> FlowKey {
    FlowKey(labels: [
      "reporter": "source", "source_workload": workload, "source_workload_namespace": "ns",
      "destination_workload": "server", "destination_workload_namespace": "ns", "source_cluster": cluster,
      "destination_cluster": cluster, "source_region": "r1", "source_zone": "z1", "destination_region": "r1",
      "destination_zone": "z2",
    ])
  }

  // MARK: - URLs

  @Test func urlsAreRepeatedOrCommaSeparated() throws {
    let urls = try PrometheusServers.urls(["http://east:9090, http://west:9090/", "http://south:8428"])
    #expect(urls == ["http://east:9090", "http://west:9090/", "http://south:8428"])
  }

  @Test(arguments: [
    (["http://a:9090,http://a:9090/"], "--prometheus: http://a:9090/ is given twice (its flows would count twice)"),
    (["http://a:9090", "http://a:9090"], "--prometheus: http://a:9090 is given twice (its flows would count twice)"),
    (["http://a:9090,,http://b:9090"], "--prometheus: an empty URL in \"http://a:9090,,http://b:9090\""),
    (["http://a:9090,"], "--prometheus: an empty URL in \"http://a:9090,\""),
  ])
  func urlsThatWouldCountTwiceOrAreEmptyAreRefused(_ values: [String], _ message: String) {
    let error = #expect(throws: PrometheusServers.UsageError.self) { try PrometheusServers.urls(values) }
    #expect(error?.description == message)
  }

  // MARK: - Merging

  /// Each server's flows are its own ztunnels' series, so a flow both report adds up.
  @Test func answersAreSummedPerFlow() {
    let east = Self.key("east")
    let west = Self.key("west")
    let merged = PrometheusServers.merge([
      [(east, Counts(received: 10, sent: 1, opened: 2, closed: 1))],
      [(west, Counts(received: 5)), (east, Counts(received: 7, sent: 3, opened: 1))],
    ])
    let byKey = Dictionary(uniqueKeysWithValues: merged.map { ($0.0, $0.1) })
    #expect(byKey[east] == Counts(received: 17, sent: 4, opened: 3, closed: 1))
    #expect(byKey[west] == Counts(received: 5))
    #expect(byKey.count == 2)
  }

  /// A server that aligns its steps elsewhere (VictoriaMetrics may round the start to a
  /// multiple of the step) adds into the nearest step asked for.
  @Test func rangeAnswersAreSummedOnTheGridAskedFor() {
    let k = Self.key("east")
    let start: Int64 = 1_000_007_000
    let step: Int64 = 30_000
    let prometheus = [(start + step, [(k, Counts(received: 1))]), (start + 2 * step, [(k, Counts(received: 2))])]
    let victoria = [
      (start + step - 7_000, [(k, Counts(received: 10))]), (start + 2 * step - 7_000, [(k, Counts(sent: 20))]),
    ]
    let merged = PrometheusServers.mergeRounds([prometheus, victoria], startMs: start, stepMs: step)
    #expect(merged.map(\.0) == [start + step, start + 2 * step])
    #expect(merged[0].1.first?.1 == Counts(received: 11))
    #expect(merged[1].1.first?.1 == Counts(received: 2, sent: 20))
  }

  @Test func floorDivisionRoundsDown() {
    #expect(PrometheusServers.floorDiv(-1, 30) == -1)
    #expect(PrometheusServers.floorDiv(-30, 30) == -1)
    #expect(PrometheusServers.floorDiv(29, 30) == 0)
    #expect(PrometheusServers.floorDiv(30, 30) == 1)
  }

  /// A failed server is that server's failure in Health; an answer clears it.
  @Test func outcomesBecomeEachServersHealth() {
    var h = TargetHealth(target: "http://south:8428")
    var failed = PrometheusServers.Outcome<[(FlowKey, Counts)]>(url: h.target)
    failed.error = "http://south:8428: connection refused"
    failed.update(&h, nowMs: 1000)
    failed.update(&h, nowMs: 2000)
    #expect(!h.up && h.failures == 2 && h.consecutiveFailures == 2 && h.scrapes == 0)
    #expect(h.lastError == "http://south:8428: connection refused")
    var ok = PrometheusServers.Outcome<[(FlowKey, Counts)]>(url: h.target, value: [])
    ok.series = 12
    ok.update(&h, nowMs: 3000)
    #expect(h.up && h.scrapes == 1 && h.consecutiveFailures == 0 && h.lastError == nil)
    #expect(h.series == 12 && h.lastScrapeMs == 3000 && h.failures == 2)
  }

  // MARK: - What a server's `sum by` keeps

  /// The PromQL groups by both clusters and both principals, which the hop identity and the
  /// gateway rules need.
  @Test func queryGroupsByClustersAndPrincipals() {
    let q = PrometheusClient.query(family: "istio_tcp_sent_bytes_total", range: "300s", namespace: nil)
    let by = q.split(separator: "(")[1].split(separator: ")")[0].split(separator: ",").map(String.init)
    #expect(by == FlowKey.labelNames)
    for label in ["source_cluster", "destination_cluster", "source_principal", "destination_principal"] {
      #expect(by.contains(label))
    }
  }

  /// The multi-cluster fixture as a server's `sum by (FlowKey.labelNames) (increase(...))`
  /// answers it (per-series increases of the whole recording, summed by those labels
  /// across ztunnels) counts as direct scraping does: every zone pair and every gateway
  /// decision, exactly.
  @Test(arguments: ["baggage", "no-baggage", "mixed"])
  func sumByTheFlowLabelsKeepsTheMultiClusterRules(_ variant: String) throws {
    let path = TestPaths.fixtures + "/multicluster/\(variant).ztrec.gz"
    var problems: [String] = []
    let direct = OfflineAggregation.report(
      source: try OfflineSource(path: path), windowMs: nil, options: ReportOptions(), problems: &problems, threads: 1)
    let viaSumBy = try Self.reportAsSummedBy(path, labels: FlowKey.labelNames)
    #expect(
      viaSumBy.zonePairs.filter { $0.value.bytes > 0 }.mapValues(\.bytes)
        == direct.zonePairs.filter { $0.value.bytes > 0 }.mapValues(\.bytes))
    #expect(viaSumBy.gateway == direct.gateway)
    #expect(viaSumBy.duplicateBytesDropped == direct.duplicateBytesDropped)
  }

  /// Without the principals in the `sum by`, mixed versions count the gateway bytes twice:
  /// the principals are what tells a gateway from a workload.
  @Test func withoutPrincipalsMixedVersionsCountTwice() throws {
    let path = TestPaths.fixtures + "/multicluster/mixed.ztrec.gz"
    let all = try Self.reportAsSummedBy(path, labels: FlowKey.labelNames)
    let without = try Self.reportAsSummedBy(
      path, labels: FlowKey.labelNames.filter { !$0.hasSuffix("_principal") })
    let bytes = { (r: TrafficReport) in r.zonePairs.values.reduce(0) { $0 + $1.bytes } }
    #expect(without.gateway.fromGatewayFlows == 0)
    #expect(bytes(without) > bytes(all))
  }

  /// Per-series increases from each target's first to last frame, summed by `labels`.
  static func reportAsSummedBy(_ path: String, labels: [String]) throws -> TrafficReport {
    let source = try OfflineSource(path: path)
    var firstAndLast: [String: (first: String, last: String)] = [:]
    for e in source.entries where e.isSuccess {
      let body = String(decoding: try source.body(of: e), as: UTF8.self)
      firstAndLast[e.target] = (firstAndLast[e.target]?.first ?? body, body)
    }
    let fields: [String: WritableKeyPath<Counts, UInt64>] = [
      "istio_tcp_received_bytes_total": \.received, "istio_tcp_sent_bytes_total": \.sent,
      "istio_tcp_connections_opened_total": \.opened, "istio_tcp_connections_closed_total": \.closed,
    ]
    var totals: [FlowKey: Counts] = [:]
    for (_, frames) in firstAndLast {
      let (_, first) = parse(frames.first, .openMetrics, .lenient)
      let (_, last) = parse(frames.last, .openMetrics, .lenient)
      let before = Dictionary(first.map { ("\($0.name)\($0.labels.sorted { $0.key < $1.key })", $0.value) }) { a, _ in a
      }
      for s in last {
        guard let field = fields[s.name] else { continue }
        let increase = s.value - (before["\(s.name)\(s.labels.sorted { $0.key < $1.key })"] ?? 0)
        let kept = s.labels.filter { labels.contains($0.key) }
        totals[FlowKey(labels: kept), default: Counts()][keyPath: field] += UInt64(increase)
      }
    }
    var history = TrafficHistory()
    history.append(startMs: 0, endMs: 120_000, deltas: totals.map { ($0.key, $0.value) })
    return history.report(windowMs: nil, options: ReportOptions())
  }
}
