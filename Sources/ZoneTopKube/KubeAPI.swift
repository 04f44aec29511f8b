import Foundation
import ZoneTopExposition
import ZoneTopHTTP
import ZoneTopTraffic

/// A ztunnel pod as discovery sees it.
public struct ZtunnelPod: Sendable, Equatable {
  public var namespace: String
  public var name: String
  public var uid: String
  public var node: String
  public var podIP: String
  public var ready: Bool
  public var createdMs: Int64
  /// When its newest container started running (the creation time if unknown).
  public var startedMs: Int64
}

/// Reads pods, nodes and services from the API server with libcurl (GET, JSON).
public final class KubeAPI: @unchecked Sendable {
  public let auth: KubeAuth
  private let base: HTTPOptions

  /// `base` carries the timeouts and size limit; the CA and credentials come from the context.
  public init(auth: KubeAuth, base: HTTPOptions = HTTPOptions()) {
    self.auth = auth
    var b = base
    b.accept = "application/json"
    b.maxRedirects = 0
    self.base = b
  }

  public var server: String { auth.context.server }

  /// GETs `path` (absolute, starting with `/api`); on 401 asks the credentials again once.
  public func get(_ path: String) throws(KubeError) -> Data {
    var retried = false
    while true {
      let options = try auth.httpOptions(base)
      let r = Poller(options: options).fetch([server + path])[0]
      if r.status == 401 && !retried && auth.canRefresh {
        auth.invalidate()
        retried = true
        continue
      }
      if let error = r.error {
        throw KubeError("GET \(path): \(Self.explain(status: r.status, error: error, body: r.body))")
      }
      return Data(r.body)
    }
  }

  /// An API error in words: the status, and the server's `Status.message` when it sent one.
  static func explain(status: Int, error: String, body: [UInt8]) -> String {
    let message = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["message"] as? String
    var text = error
    switch status {
    case 401: text += " (the credentials were refused)"
    case 403: text += " (RBAC: see the README for the role zonetop needs)"
    default: break
    }
    if let message { text += ": " + Sanitize.short(message, limit: 160) }
    return text
  }

  private struct List<Item: Decodable>: Decodable { var items: [Item] }
  private struct Meta: Decodable {
    var name: String
    var namespace: String?
    var uid: String?
    var creationTimestamp: String?
    var labels: [String: String]?
    var annotations: [String: String]?
  }

  private struct Pod: Decodable {
    struct Spec: Decodable { var nodeName: String? }
    struct Status: Decodable {
      struct Condition: Decodable {
        var type: String
        var status: String
      }
      struct Container: Decodable {
        struct State: Decodable {
          struct Running: Decodable { var startedAt: String? }
          var running: Running?
        }
        var state: State?
      }
      var phase: String?
      var podIP: String?
      var conditions: [Condition]?
      var containerStatuses: [Container]?
    }
    var metadata: Meta
    var spec: Spec?
    var status: Status?
  }

  private struct Object: Decodable { var metadata: Meta }

  private struct Service: Decodable {
    struct Spec: Decodable { var trafficDistribution: String? }
    var metadata: Meta
    var spec: Spec?
  }

  private func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ what: String) throws(KubeError) -> T {
    do { return try JSONDecoder().decode(type, from: data) } catch {
      throw KubeError(
        "\(what): the API server's answer is not the expected JSON (\(Sanitize.short("\(error)", limit: 100)))")
    }
  }

  /// Running pods in `namespace` matching the label selector.
  public func pods(namespace: String, selector: String) throws(KubeError) -> [ZtunnelPod] {
    let path = "/api/v1/namespaces/\(Self.escape(namespace))/pods?labelSelector=\(Self.escape(selector))"
    let list = try decode(List<Pod>.self, try get(path), "pods")
    return list.items.compactMap { p in
      guard p.status?.phase == "Running", let node = p.spec?.nodeName, let ip = p.status?.podIP else { return nil }
      let created = p.metadata.creationTimestamp.flatMap(RFC3339.parse) ?? 0
      let started = p.status?.containerStatuses?.compactMap { $0.state?.running?.startedAt.flatMap(RFC3339.parse) }
        .max()
      return ZtunnelPod(
        namespace: p.metadata.namespace ?? namespace, name: p.metadata.name, uid: p.metadata.uid ?? p.metadata.name,
        node: node, podIP: ip,
        ready: p.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false,
        createdMs: created, startedMs: started ?? created)
    }
  }

  /// Every node's topology labels (the legacy `failure-domain.beta.kubernetes.io` ones too).
  public func nodes() throws(KubeError) -> [String: NodeLocality] {
    let list = try decode(List<Object>.self, try get("/api/v1/nodes"), "nodes")
    var out: [String: NodeLocality] = [:]
    for n in list.items {
      let l = n.metadata.labels ?? [:]
      out[n.metadata.name] = NodeLocality(
        node: n.metadata.name,
        zone: l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"],
        region: l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"])
    }
    return out
  }

  /// Services that state a traffic distribution, by `name.namespace`.
  public func serviceRouting() throws(KubeError) -> [String: ServiceRouting] {
    let list = try decode(List<Service>.self, try get("/api/v1/services"), "services")
    var out: [String: ServiceRouting] = [:]
    for s in list.items {
      let key = "\(s.metadata.name).\(s.metadata.namespace ?? "default")"
      if let v = s.spec?.trafficDistribution, !v.isEmpty {
        out[key] = ServiceRouting(trafficDistribution: v, from: "spec")
      } else if let v = s.metadata.annotations?["networking.istio.io/traffic-distribution"], !v.isEmpty {
        out[key] = ServiceRouting(trafficDistribution: v, from: "annotation")
      }
    }
    return out
  }

  /// The pod proxy URL of a pod's port and path.
  public func proxyURL(_ pod: ZtunnelPod, port: Int, path: String) -> String {
    "\(server)/api/v1/namespaces/\(Self.escape(pod.namespace))/pods/\(Self.escape(pod.name)):\(port)/proxy\(path)"
  }

  static func escape(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
  }
}
