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
    var totals: [FlowKey: Counts] = [:]
    for (family, field) in Self.families {
      let q = Self.query(family: family, range: "\(rangeMs / 1000)s", namespace: namespace)
      let doc = try get("/api/v1/query", ["query": q, "time": seconds(endMs)])
      for (labels, values) in try Self.series(doc, matrix: false) {
        guard let v = values.last?.1 else { continue }
        totals[FlowKey(labels: labels), default: Counts()][keyPath: field] &+= UInt64(max(0, v.rounded()))
      }
    }
    return totals.map { ($0.key, $0.value) }
  }

  /// Increases per flow for each step of `[startMs, endMs]` (a range query): one round a step.
  public func rounds(startMs: Int64, endMs: Int64, stepMs: Int64, namespace: String? = nil) throws -> [(
    Int64, [(FlowKey, Counts)]
  )] {
    var byTime: [Int64: [FlowKey: Counts]] = [:]
    for (family, field) in Self.families {
      let q = Self.query(family: family, range: "\(stepMs / 1000)s", namespace: namespace)
      let doc = try get(
        "/api/v1/query_range",
        ["query": q, "start": seconds(startMs), "end": seconds(endMs), "step": "\(stepMs / 1000)"])
      for (labels, values) in try Self.series(doc, matrix: true) {
        let key = FlowKey(labels: labels)
        for (t, v) in values where v.isFinite && v > 0 {
          byTime[t, default: [:]][key, default: Counts()][keyPath: field] &+= UInt64(v.rounded())
        }
      }
    }
    return byTime.sorted { $0.key < $1.key }.map { t, flows in (t, flows.map { ($0.key, $0.value) }) }
  }

  // MARK: - HTTP and JSON

  private func seconds(_ ms: Int64) -> String { NumberText.fixed(Double(ms) / 1000, 3) }

  private func get(_ path: String, _ params: [String: String]) throws -> [String: Any] {
    let query = params.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
    let r = poller.fetch([baseURL + path + "?" + query])[0]
    if let e = r.error, r.body.isEmpty { throw APIError(description: "\(baseURL): \(e)") }
    guard let doc = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else {
      throw APIError(description: "\(baseURL): the answer is not Prometheus API JSON (HTTP \(r.status))")
    }
    guard doc["status"] as? String == "success" else {
      let message = (doc["error"] as? String) ?? "HTTP \(r.status)"
      throw APIError(description: "\(baseURL): query failed: \(Sanitize.short(message, limit: 200))")
    }
    return doc
  }

  static func series(_ doc: [String: Any], matrix: Bool) throws -> [([String: String], [(Int64, Double)])] {
    guard let data = doc["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
      throw APIError(description: "unexpected API answer: no data.result")
    }
    return result.map { item in
      let labels = (item["metric"] as? [String: String]) ?? [:]
      var points: [(Int64, Double)] = []
      let raw: [[Any]] = matrix ? ((item["values"] as? [[Any]]) ?? []) : ((item["value"] as? [Any]).map { [$0] } ?? [])
      for p in raw where p.count == 2 {
        let t = (p[0] as? NSNumber)?.doubleValue ?? 0
        let v = Double((p[1] as? String) ?? "") ?? .nan
        points.append((Int64((t * 1000).rounded()), v))
      }
      return (labels, points)
    }
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
