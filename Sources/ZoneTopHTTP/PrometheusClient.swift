import Foundation
import Synchronization
import ZoneTopExposition
import ZoneTopTraffic

/// A Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics):
/// the aggregation runs server-side, so the answer is one series per flow, not per ztunnel series.
public final class PrometheusClient: @unchecked Sendable {
  public let baseURL: String
  private let poller: Poller

  /// The four ztunnel families and which count each feeds.
  static var families: [(String, WritableKeyPath<Counts, UInt64>)] {
    [
      ("istio_tcp_received_bytes_total", \.received), ("istio_tcp_sent_bytes_total", \.sent),
      ("istio_tcp_connections_opened_total", \.opened), ("istio_tcp_connections_closed_total", \.closed),
    ]
  }

  /// How long a query may take (`--query-timeout`), in milliseconds.
  public var timeoutMs: Int { poller.options.timeoutMs }

  public init(baseURL: String, http: HTTPOptions) {
    var trimmed = baseURL
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.baseURL = trimmed
    var o = http
    o.accept = "application/json"
    o.maxBodyBytes = max(o.maxBodyBytes, Self.maxAnswerBytes)
    poller = Poller(options: o)
  }

  /// The largest answer accepted (more with a larger `--max-body-size`): a cap, as the
  /// answer is decoded whole.
  public static let maxAnswerBytes = 256 << 20

  public struct APIError: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  /// The PromQL that sums one family's increases by flow over `range` (e.g.
  ///
  /// `5m`),
  /// optionally only for flows from or to one namespace.
  public static func query(family: String, range: String, namespace: String?) -> String {
    let by = FlowKey.labelNames.joined(separator: ",")
    guard let ns = namespace else { return "sum by (\(by)) (increase(\(family)[\(range)]))" }
    let v = ns.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "sum by (\(by)) (increase(\(family){source_workload_namespace=\"\(v)\"}[\(range)]))"
      + " or sum by (\(by)) (increase(\(family){destination_workload_namespace=\"\(v)\"}[\(range)]))"
  }

  /// Which series a query reads: the raw ztunnel families, or the per-hop series that the
  /// recording rules of `zonetop rules` precompute.
  public enum SeriesKind: String, Sendable {
    case raw, recorded

    /// In words, for a stderr line or a label.
    public var words: String {
      switch self {
      case .raw: "raw istio_tcp_* series"
      case .recorded: "recorded series \(RecordingRules.recordName) (zonetop rules)"
      }
    }
  }

  /// Called about every 100 ms while a query runs, with the seconds it has run; returning
  /// true abandons the query (its call then throws).
  public typealias Watch = @Sendable (_ seconds: Double) -> Bool

  /// The PromQL of one query that asks for every family at once: each family's per-flow
  /// sum, labelled `family="<name>"`, joined with `or`.
  ///
  /// A `__name__=~"a|b"` matcher cannot do it: `increase()` drops the metric name, and the
  /// families' series would collide on the same label sets (Prometheus refuses the query).
  public static func combinedQuery(range: String, namespace: String?) -> String {
    families.map { family, _ in
      "label_replace(\(query(family: family, range: range, namespace: namespace)), "
        + "\"\(RecordingRules.familyLabel)\", \"\(family)\", \"\", \"\")"
    }.joined(separator: " or ")
  }

  /// The PromQL that sums the recorded per-hop increases over `range`: the same answer as
  /// `combinedQuery`, from a few series a hop instead of one a ztunnel and hop.
  public static func recordedQuery(range: String, namespace: String?) -> String {
    let name = RecordingRules.recordName
    guard let ns = namespace else { return "sum_over_time(\(name)[\(range)])" }
    let v = ns.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "sum_over_time(\(name){source_workload_namespace=\"\(v)\"}[\(range)])"
      + " or sum_over_time(\(name){destination_workload_namespace=\"\(v)\"}[\(range)])"
  }

  /// Whether the recorded series cover `[endMs - rangeMs, endMs]`: one cheap query for the
  /// rules' heartbeat series at both ends of the window (it exists only where the rules of
  /// `zonetop rules` are evaluated, with or without traffic).
  public func hasRecordedSeries(endMs: Int64, rangeMs: Int64, watch: Watch? = nil) throws -> Bool {
    let name = RecordingRules.heartbeatName
    let look = RecordingRules.lookback
    let q =
      "count(last_over_time(\(name)[\(look)] offset \(rangeMs / 1000)s)) and count(last_over_time(\(name)[\(look)]))"
    let answer = try get("/api/v1/query", ["query": q, "time": seconds(endMs)], matrix: false, watch: watch)
    return answer.series.contains { !$0.points.isEmpty }
  }

  /// Increases per flow over `[endMs - rangeMs, endMs]` (an instant query).
  public func increases(endMs: Int64, rangeMs: Int64, namespace: String? = nil) throws -> [(FlowKey, Counts)] {
    var skipped = Skipped()
    return try increases(endMs: endMs, rangeMs: rangeMs, namespace: namespace, skipped: &skipped)
  }

  /// Values of an answer that are not counts (NaN, infinite, negative, 2^64 and more): skipped, and said.
  public struct Skipped: Sendable {
    /// How many values were skipped.
    public var values = 0
    /// One line a family with skipped values, with an example.
    public var notes: [String] = []

    public init() {}

    mutating func add(_ answer: Answer) {
      values += answer.skipped
      if let note = answer.skippedNote(answer.firstSkippedFamily ?? "istio_tcp_*") { notes.append(note) }
    }
  }

  /// Increases per flow over `[endMs - rangeMs, endMs]`, every family in one instant query;
  /// `skipped` gets the values that are not counts.
  ///
  /// The query says `nocache=1`: VictoriaMetrics otherwise evaluates an instant query whose
  /// time is within `-search.latencyOffset` (30 s) of its clock at that offset instead, which
  /// would leave the window's newest 30 s out. It says `partial_response=false`: Thanos
  /// then fails a query a store could not answer instead of answering part of it. Prometheus
  /// and Mimir ignore both.
  public func increases(
    endMs: Int64, rangeMs: Int64, namespace: String?, kind: SeriesKind = .raw, skipped: inout Skipped,
    watch: Watch? = nil
  ) throws -> [(FlowKey, Counts)] {
    let range = "\(rangeMs / 1000)s"
    let q =
      kind == .raw
      ? Self.combinedQuery(range: range, namespace: namespace) : Self.recordedQuery(range: range, namespace: namespace)
    let answer = try get(
      "/api/v1/query", ["query": q, "time": seconds(endMs), "nocache": "1", "partial_response": "false"],
      matrix: false, watch: watch)
    skipped.add(answer)
    var totals: [FlowKey: Counts] = [:]
    for series in answer.series {
      guard let field = Self.field(series.labels), let v = series.points.last?.value else { continue }
      totals[FlowKey(labels: series.labels), default: Counts()][keyPath: field].addSaturating(v)
    }
    return totals.map { ($0.key, $0.value) }
  }

  /// Increases per flow for each step of `[startMs, endMs]` (a range query): one round a step.
  public func rounds(startMs: Int64, endMs: Int64, stepMs: Int64, namespace: String? = nil) throws -> [(
    Int64, [(FlowKey, Counts)]
  )] {
    var skipped = Skipped()
    return try rounds(startMs: startMs, endMs: endMs, stepMs: stepMs, namespace: namespace, skipped: &skipped)
  }

  /// Increases per flow for each step, every family in one range query.
  ///
  /// `skipped` gets the values that are not counts; `startMs == endMs` asks for one step.
  public func rounds(
    startMs: Int64, endMs: Int64, stepMs: Int64, namespace: String?, kind: SeriesKind = .raw,
    skipped: inout Skipped, watch: Watch? = nil
  ) throws -> [(Int64, [(FlowKey, Counts)])] {
    let range = "\(stepMs / 1000)s"
    let q =
      kind == .raw
      ? Self.combinedQuery(range: range, namespace: namespace) : Self.recordedQuery(range: range, namespace: namespace)
    let answer = try get(
      "/api/v1/query_range",
      [
        "query": q, "start": seconds(startMs), "end": seconds(endMs), "step": "\(stepMs / 1000)",
        "partial_response": "false",
      ], matrix: true, watch: watch)
    skipped.add(answer)
    var byTime: [Int64: [FlowKey: Counts]] = [:]
    for series in answer.series {
      guard let field = Self.field(series.labels) else { continue }
      let key = FlowKey(labels: series.labels)
      for (t, v) in series.points where v > 0 {
        byTime[t, default: [:]][key, default: Counts()][keyPath: field].addSaturating(v)
      }
    }
    return byTime.sorted { $0.key < $1.key }.map { t, flows in (t, flows.map { ($0.key, $0.value) }) }
  }

  /// The count a series of a combined or recorded answer feeds, from its `family` label.
  static func field(_ labels: [String: String]) -> WritableKeyPath<Counts, UInt64>? {
    guard let family = labels[RecordingRules.familyLabel] else { return nil }
    return families.first { $0.0 == family }?.1
  }

  // MARK: - HTTP and JSON

  private func seconds(_ ms: Int64) -> String { NumberText.fixed(Double(ms) / 1000, 3) }

  private func get(_ path: String, _ params: [String: String], matrix: Bool, watch: Watch?) throws -> Answer {
    let query = params.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
    let t0 = WallClock.monotonic()
    let abandoned = Atomic<Bool>(false)
    var result: ScrapeResult?
    poller.fetch(
      [ScrapeTarget(url: baseURL + path + "?" + query)],
      cancelled: {
        guard let watch, watch(WallClock.monotonic() - t0) else { return false }
        abandoned.store(true, ordering: .relaxed)
        return true
      }, onResult: { _, r in result = r })
    guard let r = result else {
      throw APIError(
        description: "\(baseURL): the query was abandoned\(abandoned.load(ordering: .relaxed) ? "" : " (no result)")")
    }
    if let e = r.error, r.body.isEmpty || e.hasPrefix("body larger") {
      throw APIError(description: "\(baseURL): \(Self.explain(e))")
    }
    return try Self.decode(r.body, httpStatus: r.status, matrix: matrix, origin: baseURL)
  }

  /// A transfer error, with what to do about the ones a large mesh meets.
  static func explain(_ error: String) -> String {
    if error.hasPrefix("timed out") {
      return "query \(error) (raise --query-timeout, or load the recording rules: zonetop rules)"
    }
    if error.hasPrefix("body larger") {
      return "answer \(error) (narrow it with --namespace, or load the recording rules: zonetop rules)"
    }
    return error
  }

  /// One series of an answer: its labels and its points, checked.
  package struct Series: Sendable {
    package var labels: [String: String]
    /// Milliseconds since the epoch (within `PlausibleTime`) and the value as an exact count.
    package var points: [(timeMs: Int64, value: UInt64)]
  }

  /// An answer of the API, decoded.
  package struct Answer: Sendable {
    package var series: [Series] = []
    /// Values skipped: NaN, infinite, negative, or too large for a count (2^64 or more).
    package var skipped = 0
    /// The first value skipped and its series, in words.
    package var firstSkipped: String?
    /// The `family` label of the series of the first value skipped, if it had one.
    package var firstSkippedFamily: String?

    /// What was skipped, in words, for the family queried; nil when nothing was.
    package func skippedNote(_ family: String) -> String? {
      guard skipped > 0, let firstSkipped else { return nil }
      return "\(family): skipped \(skipped) value\(skipped == 1 ? "" : "s") that are not a count "
        + "(NaN, infinite, negative or 2^64 and more), e.g. \(firstSkipped)"
    }
  }

  /// Decodes a Prometheus API answer (an instant query's vector or a range query's matrix).
  ///
  /// A pure function of the response, decoded with `JSONDecoder` into the few fields it
  /// needs (no dictionary of every JSON object; the body is capped by the transfer). Values
  /// are converted with checks, and those that are not a count (NaN, `+Inf`, negative, 2^64
  /// or more) are skipped and counted. A timestamp outside `PlausibleTime` (or not a number)
  /// refuses the answer, naming the series.
  package static func decode(_ body: [UInt8], httpStatus: Int, matrix: Bool, origin: String) throws(APIError)
    -> Answer
  {
    let doc: APIDocument
    do { doc = try JSONDecoder().decode(APIDocument.self, from: Data(body)) } catch {
      throw APIError(description: "\(origin): the answer is not Prometheus API JSON (HTTP \(httpStatus))")
    }
    guard doc.status == "success" else {
      let message = doc.error ?? "HTTP \(httpStatus)"
      throw APIError(description: "\(origin): query failed: \(Sanitize.short(message, limit: 200))")
    }
    guard let result = doc.data?.result else {
      throw APIError(description: "\(origin): unexpected API answer: no data.result")
    }
    var answer = Answer()
    answer.series.reserveCapacity(result.count)
    for item in result {
      let labels = item.metric?.compactMapValues(\.text) ?? [:]
      let raw: [APIPoint] = matrix ? (item.values ?? []) : (item.value.map { [$0] } ?? [])
      var points: [(timeMs: Int64, value: UInt64)] = []
      points.reserveCapacity(raw.count)
      for p in raw where p.isPair {
        guard let timeMs = Self.milliseconds(p.time) else {
          throw APIError(
            description:
              "\(origin): unexpected API answer: series \(Self.describe(labels)) has timestamp \(p.time.words), "
              + "not a time from \(PlausibleTime.text)")
        }
        guard let value = Self.count(p.value) else {
          if answer.firstSkipped == nil {
            answer.firstSkipped = "\(p.value.words) in \(Self.describe(labels))"
            answer.firstSkippedFamily = labels[RecordingRules.familyLabel]
          }
          answer.skipped += 1
          continue
        }
        points.append((timeMs, value))
      }
      answer.series.append(Series(labels: labels, points: points))
    }
    return answer
  }

  /// A sample's timestamp (seconds, a JSON number) in milliseconds, if it is a plausible time.
  static func milliseconds(_ json: APIScalar) -> Int64? {
    guard case .number(let seconds) = json else { return nil }
    let ms = (seconds * 1000).rounded()
    // Compared as a Double first: converting 1e300 to Int64 would trap.
    guard ms.isFinite, ms >= Double(PlausibleTime.range.lowerBound), ms < Double(PlausibleTime.range.upperBound)
    else { return nil }
    return Int64(ms)
  }

  /// A sample's value (a JSON string such as `"1234"`) as a count, if it is one.
  static func count(_ json: APIScalar) -> UInt64? {
    guard case .string(let text) = json, let v = Double(text) else { return nil }
    let rounded = v.rounded()
    // 0x1p64 is 2^64 exactly: anything below it converts without trapping.
    guard rounded.isFinite, rounded >= 0, rounded < 0x1p64 else { return nil }
    return UInt64(rounded)
  }

  static func describe(_ labels: [String: String]) -> String {
    Sanitize.short(
      "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}",
      limit: 160)
  }

  /// `s` percent-encoded for a URL query (unreserved characters kept).
  public static func encode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
      let c = Character(Unicode.Scalar(b))
      if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
        out.append(c)
      } else {
        out += String(format: "%%%02X", b)
      }
    }
    return out
  }
}
