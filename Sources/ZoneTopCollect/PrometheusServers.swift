import Dispatch
import Synchronization
import ZoneTopExposition
import ZoneTopHTTP
import ZoneTopTraffic

/// Several Prometheus-compatible servers asked as one, typically one a cluster.
///
/// Each server answers for the ztunnels it scrapes, so the servers' flows are distinct
/// series sets and their per-flow increases add up (as long as no ztunnel is scraped by
/// two of them). The sum is taken per `FlowKey` before aggregation, so the counting rules
/// (reporters, gateway hops, direction) see the merged flows as they would see one
/// server's. A server that fails does not stop the others: its outcome carries the error.
public struct PrometheusServers: Sendable {
  public let clients: [PrometheusClient]

  public init(urls: [String], http: HTTPOptions) {
    clients = urls.map { PrometheusClient(baseURL: $0, http: http) }
  }

  /// The server URLs of `--prometheus` values, each value one URL or several separated by commas.
  ///
  /// Blanks around a URL are dropped; an empty entry, or a URL given twice (its flows would count twice),
  /// is refused with a message saying which.
  public static func urls(_ values: [String]) throws(UsageError) -> [String] {
    var urls: [String] = []
    var seen: Set<String> = []
    for value in values {
      for part in value.split(separator: ",", omittingEmptySubsequences: false) {
        let url = part.trimmingBlanks()
        guard !url.isEmpty else {
          throw UsageError(description: "--prometheus: an empty URL in \"\(Sanitize.short(value))\"")
        }
        var key = Substring(url)
        while key.hasSuffix("/") { key = key.dropLast() }
        guard seen.insert(String(key)).inserted else {
          throw UsageError(
            description: "--prometheus: \(Sanitize.short(url)) is given twice (its flows would count twice)")
        }
        urls.append(url)
      }
    }
    return urls
  }

  /// A `--prometheus` value that cannot be used, in words.
  public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  // MARK: - Asking every server

  /// One server's answer, or why it has none.
  public struct Outcome<Value: Sendable>: Sendable {
    public var url: String
    /// Nil when the server failed.
    public var value: Value?
    public var error: String?
    public var skipped = PrometheusClient.Skipped()
    /// Seconds the queries took.
    public var latency: Double = 0
    /// Flows in the answer (in the newest step of a range query).
    public var series = 0

    public init(url: String, value: Value? = nil, error: String? = nil) {
      self.url = url
      self.value = value
      self.error = error
    }

    /// Records this outcome in the server's health (one more query, up or failed).
    public func update(_ h: inout TargetHealth, nowMs: Int64) {
      h.lastLatency = latency
      if let error {
        h.up = false
        h.failures += 1
        h.consecutiveFailures += 1
        h.lastError = error
        return
      }
      h.up = true
      h.scrapes += 1
      h.consecutiveFailures = 0
      h.lastError = nil
      h.lastScrapeMs = nowMs
      h.series = series
      // Values that are not counts (NaN, +Inf, negative, 2^64 and more): shown in Health.
      h.invalidCounterValues = skipped.values
      h.lastParseIssue = skipped.notes.first
    }
  }

  /// Told about every 100 ms while server `server`'s query runs, with the seconds it has
  /// run; returning true abandons that query.
  public typealias Progress = @Sendable (_ server: Int, _ seconds: Double) -> Bool

  /// Asks every server at once (a thread each), in the order of `clients`.
  func ask<Value: Sendable>(
    progress: Progress?,
    _ query:
      @Sendable (Int, PrometheusClient, inout PrometheusClient.Skipped, PrometheusClient.Watch?) throws -> (
        Value, Int
      )
  ) -> [Outcome<Value>] {
    let results = Mutex<[Outcome<Value>?]>(Array(repeating: nil, count: clients.count))
    DispatchQueue.concurrentPerform(iterations: clients.count) { i in
      let client = clients[i]
      var outcome = Outcome<Value>(url: client.baseURL)
      let t0 = WallClock.monotonic()
      var watch: PrometheusClient.Watch?
      if let progress { watch = { seconds in progress(i, seconds) } }
      do {
        let (value, series) = try query(i, client, &outcome.skipped, watch)
        outcome.value = value
        outcome.series = series
      } catch {
        outcome.error = "\(error)"
      }
      outcome.latency = WallClock.monotonic() - t0
      results.withLock { $0[i] = outcome }
    }
    return results.withLock { $0.compactMap { $0 } }
  }

  /// Which series each server can answer from over `[endMs - rangeMs, endMs]`: the
  /// recorded ones where `zonetop rules` are loaded and cover the window, else the raw
  /// ones (also when the check fails: the query then says why).
  public func seriesKinds(endMs: Int64, rangeMs: Int64, progress: Progress? = nil) -> [(
    kind: PrometheusClient.SeriesKind, error: String?
  )] {
    ask(progress: progress) { _, client, _, watch in
      (try client.hasRecordedSeries(endMs: endMs, rangeMs: rangeMs, watch: watch), 0)
    }.map { ($0.value == true ? .recorded : .raw, $0.error) }
  }

  /// Every server's increases per flow over `[endMs - rangeMs, endMs]` (instant queries);
  /// `kinds` (one a server, raw when missing) says which series each reads.
  public func increases(
    endMs: Int64, rangeMs: Int64, namespace: String?, kinds: [PrometheusClient.SeriesKind] = [],
    progress: Progress? = nil
  ) -> [Outcome<[(FlowKey, Counts)]>] {
    ask(progress: progress) { i, client, skipped, watch in
      let flows = try client.increases(
        endMs: endMs, rangeMs: rangeMs, namespace: namespace, kind: i < kinds.count ? kinds[i] : .raw,
        skipped: &skipped, watch: watch)
      return (flows, flows.count)
    }
  }

  /// Every server's increases per flow for each step of `[startMs, endMs]` (range queries).
  public func rounds(
    startMs: Int64, endMs: Int64, stepMs: Int64, namespace: String?, kinds: [PrometheusClient.SeriesKind] = [],
    progress: Progress? = nil
  ) -> [Outcome<[(Int64, [(FlowKey, Counts)])]>] {
    ask(progress: progress) { i, client, skipped, watch in
      let rounds = try client.rounds(
        startMs: startMs, endMs: endMs, stepMs: stepMs, namespace: namespace, kind: i < kinds.count ? kinds[i] : .raw,
        skipped: &skipped, watch: watch)
      return (rounds, rounds.last?.1.count ?? 0)
    }
  }

  // MARK: - Merging answers

  /// The per-flow sum of several servers' increases.
  public static func merge(_ answers: [[(FlowKey, Counts)]]) -> [(FlowKey, Counts)] {
    if answers.count == 1 { return answers[0] }
    var totals: [FlowKey: Counts] = [:]
    for answer in answers {
      for (key, counts) in answer { totals[key, default: Counts()] += counts }
    }
    return totals.map { ($0.key, $0.value) }
  }

  /// The per-step, per-flow sum of several servers' range answers, oldest step first.
  ///
  /// Each time is put on the grid `startMs + k * stepMs` that was asked for (the nearest
  /// point): a server that aligns its steps differently (VictoriaMetrics may round the
  /// start to a multiple of the step) still adds into the same rounds.
  public static func mergeRounds(_ answers: [[(Int64, [(FlowKey, Counts)])]], startMs: Int64, stepMs: Int64)
    -> [(Int64, [(FlowKey, Counts)])]
  {
    var byTime: [Int64: [FlowKey: Counts]] = [:]
    for answer in answers {
      for (t, flows) in answer {
        let k = Self.floorDiv(t - startMs + stepMs / 2, stepMs)
        let snapped = startMs + k * stepMs
        for (key, counts) in flows { byTime[snapped, default: [:]][key, default: Counts()] += counts }
      }
    }
    return byTime.sorted { $0.key < $1.key }.map { t, flows in (t, flows.map { ($0.key, $0.value) }) }
  }

  package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }
}

extension Substring {
  fileprivate func trimmingBlanks() -> String {
    var s = self
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return String(s)
  }
}
