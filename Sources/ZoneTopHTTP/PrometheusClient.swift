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

  public init(baseURL: String, http: HTTPOptions) {
    var trimmed = baseURL
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.baseURL = trimmed
    var o = http
    o.accept = "application/json"
    o.maxBodyBytes = max(o.maxBodyBytes, 256 << 20)
    poller = Poller(options: o)
  }

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

    mutating func add(_ answer: Answer, family: String) {
      values += answer.skipped
      if let note = answer.skippedNote(family) { notes.append(note) }
    }
  }

  /// Increases per flow over `[endMs - rangeMs, endMs]`; `skipped` gets the values that are not counts.
  ///
  /// The query says `nocache=1`: VictoriaMetrics otherwise evaluates an instant query whose
  /// time is within `-search.latencyOffset` (30 s) of its clock at that offset instead, which
  /// would leave the window's newest 30 s out. Prometheus, Thanos and Mimir ignore the parameter.
  public func increases(endMs: Int64, rangeMs: Int64, namespace: String?, skipped: inout Skipped) throws -> [(
    FlowKey, Counts
  )] {
    var totals: [FlowKey: Counts] = [:]
    for (family, field) in Self.families {
      let q = Self.query(family: family, range: "\(rangeMs / 1000)s", namespace: namespace)
      let answer = try get("/api/v1/query", ["query": q, "time": seconds(endMs), "nocache": "1"], matrix: false)
      skipped.add(answer, family: family)
      for series in answer.series {
        guard let v = series.points.last?.value else { continue }
        totals[FlowKey(labels: series.labels), default: Counts()][keyPath: field].addSaturating(v)
      }
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

  /// Increases per flow for each step; `skipped` gets the values that are not counts.
  public func rounds(startMs: Int64, endMs: Int64, stepMs: Int64, namespace: String?, skipped: inout Skipped)
    throws -> [(Int64, [(FlowKey, Counts)])]
  {
    var byTime: [Int64: [FlowKey: Counts]] = [:]
    for (family, field) in Self.families {
      let q = Self.query(family: family, range: "\(stepMs / 1000)s", namespace: namespace)
      let answer = try get(
        "/api/v1/query_range",
        ["query": q, "start": seconds(startMs), "end": seconds(endMs), "step": "\(stepMs / 1000)"], matrix: true)
      skipped.add(answer, family: family)
      for series in answer.series {
        let key = FlowKey(labels: series.labels)
        for (t, v) in series.points where v > 0 {
          byTime[t, default: [:]][key, default: Counts()][keyPath: field].addSaturating(v)
        }
      }
    }
    return byTime.sorted { $0.key < $1.key }.map { t, flows in (t, flows.map { ($0.key, $0.value) }) }
  }

  // MARK: - HTTP and JSON

  private func seconds(_ ms: Int64) -> String { NumberText.fixed(Double(ms) / 1000, 3) }

  private func get(_ path: String, _ params: [String: String], matrix: Bool) throws -> Answer {
    let query = params.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
    let r = poller.fetch([baseURL + path + "?" + query])[0]
    if let e = r.error, r.body.isEmpty { throw APIError(description: "\(baseURL): \(e)") }
    return try Self.decode(r.body, httpStatus: r.status, matrix: matrix, origin: baseURL)
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

    /// What was skipped, in words, for the family queried; nil when nothing was.
    package func skippedNote(_ family: String) -> String? {
      guard skipped > 0, let firstSkipped else { return nil }
      return "\(family): skipped \(skipped) value\(skipped == 1 ? "" : "s") that are not a count "
        + "(NaN, infinite, negative or 2^64 and more), e.g. \(firstSkipped)"
    }
  }

  /// Decodes a Prometheus API answer (an instant query's vector or a range query's matrix).
  ///
  /// A pure function of the response: values are converted with checks, and those that
  /// are not a count (NaN, `+Inf`, negative, 2^64 or more) are skipped and counted. A
  /// timestamp outside `PlausibleTime` (or not a number) refuses the answer, naming the series.
  package static func decode(_ body: [UInt8], httpStatus: Int, matrix: Bool, origin: String) throws(APIError)
    -> Answer
  {
    guard let doc = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
      throw APIError(description: "\(origin): the answer is not Prometheus API JSON (HTTP \(httpStatus))")
    }
    guard doc["status"] as? String == "success" else {
      let message = (doc["error"] as? String) ?? "HTTP \(httpStatus)"
      throw APIError(description: "\(origin): query failed: \(Sanitize.short(message, limit: 200))")
    }
    guard let data = doc["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
      throw APIError(description: "\(origin): unexpected API answer: no data.result")
    }
    var answer = Answer()
    answer.series.reserveCapacity(result.count)
    for item in result {
      let labels = ((item["metric"] as? [String: Any]) ?? [:]).compactMapValues { $0 as? String }
      let raw: [[Any]] = matrix ? ((item["values"] as? [[Any]]) ?? []) : ((item["value"] as? [Any]).map { [$0] } ?? [])
      var points: [(timeMs: Int64, value: UInt64)] = []
      points.reserveCapacity(raw.count)
      for p in raw where p.count == 2 {
        guard let timeMs = Self.milliseconds(p[0]) else {
          throw APIError(
            description:
              "\(origin): unexpected API answer: series \(Self.describe(labels)) has timestamp \(Self.describe(p[0])), "
              + "not a time from \(PlausibleTime.text)")
        }
        guard let value = Self.count(p[1]) else {
          if answer.firstSkipped == nil { answer.firstSkipped = "\(Self.describe(p[1])) in \(Self.describe(labels))" }
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
  static func milliseconds(_ json: Any) -> Int64? {
    guard let seconds = (json as? NSNumber)?.doubleValue else { return nil }
    let ms = (seconds * 1000).rounded()
    // Compared as a Double first: converting 1e300 to Int64 would trap.
    guard ms.isFinite, ms >= Double(PlausibleTime.range.lowerBound), ms < Double(PlausibleTime.range.upperBound)
    else { return nil }
    return Int64(ms)
  }

  /// A sample's value (a JSON string such as `"1234"`) as a count, if it is one.
  static func count(_ json: Any) -> UInt64? {
    guard let text = json as? String, let v = Double(text) else { return nil }
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

  static func describe(_ json: Any) -> String {
    if let s = json as? String { return "\"" + Sanitize.short(s) + "\"" }
    if let n = json as? NSNumber { return Sanitize.short(n.stringValue) }
    return "(\(Sanitize.short(String(describing: type(of: json)))))"
  }

  static func encode(_ s: String) -> String {
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
