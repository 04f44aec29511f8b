import Foundation
import Yams
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// A kubeconfig problem, naming the file, the line and the field that is wrong.
public struct KubeConfigError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// An exec credential plugin (`users[].user.exec`), as EKS's `aws eks get-token`
/// and GKE's `gke-gcloud-auth-plugin` are configured.
public struct ExecPlugin: Sendable, Equatable {
  public static let apiVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
  public var apiVersion: String
  public var command: String
  public var args: [String] = []
  /// Extra environment variables, in order.
  public var env: [EnvVar] = []
  public var installHint: String?
  public var provideClusterInfo = false
  /// Where it was configured (`FILE: users["NAME"].user.exec`), for error messages.
  public var origin: String

  public struct EnvVar: Sendable, Equatable {
    public var name: String
    public var value: String
  }
}

/// The API server and credentials of one kubeconfig context, resolved the way kubectl resolves them.
public struct KubeContext: Sendable {
  public var name: String
  public var namespace: String?
  /// `https://HOST[:PORT][/PREFIX]`, without a trailing slash.
  public var server: String
  public var caPEM: [UInt8]?
  public var insecure = false
  public var clientCertPEM: [UInt8]?
  public var clientKeyPEM: [UInt8]?
  public var token: String?
  /// Read again before each use: projected service-account tokens rotate.
  public var tokenFile: String?
  public var exec: ExecPlugin?
  /// The directory of the kubeconfig that defined the user: relative plugin commands start there.
  public var baseDirectory: String
}

/// Reads kubeconfig files like kubectl: `--kubeconfig`, else every file of `KUBECONFIG`
/// (merged: the first file to define a name or `current-context` wins), else
/// `~/.kube/config`, else the in-cluster service account.
public enum KubeConfigLoader {
  /// The files kubectl would read, in merge order.
  public static func files(explicit: String?, environment: [String: String]) -> [String] {
    if let explicit { return [explicit] }
    if let list = environment["KUBECONFIG"], !list.isEmpty {
      var seen = Set<String>()
      return list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
    }
    let home = environment["HOME"] ?? NSHomeDirectory()
    return [home + "/.kube/config"]
  }

  /// The names of every context the kubeconfig files define, sorted (`--all-contexts`).
  public static func contextNames(explicit: String?, environment: [String: String]) throws(KubeConfigError)
    -> [String]
  {
    let paths = files(explicit: explicit, environment: environment)
    var documents: [Document] = []
    for path in paths where Files.exists(path) { documents.append(try Document(path: path)) }
    if documents.isEmpty {
      throw KubeConfigError(
        "no kubeconfig found (looked at \(paths.joined(separator: ", "))): --all-contexts needs one")
    }
    return Merged(documents).contexts.keys.sorted()
  }

  /// Resolves `context` (default: the merged `current-context`).
  public static func load(explicit: String?, context: String?, environment: [String: String]) throws(KubeConfigError)
    -> KubeContext
  {
    let paths = files(explicit: explicit, environment: environment)
    var documents: [Document] = []
    for path in paths {
      guard Files.exists(path) else {
        // kubectl skips missing KUBECONFIG entries; a named file must exist.
        if explicit != nil { throw KubeConfigError("\(path): no such kubeconfig file (--kubeconfig)") }
        continue
      }
      documents.append(try Document(path: path))
    }
    if documents.isEmpty {
      if environment["KUBERNETES_SERVICE_HOST"] != nil { return try inCluster(environment: environment) }
      throw KubeConfigError(
        "no kubeconfig found (looked at \(paths.joined(separator: ", "))); give --kubeconfig, set KUBECONFIG, or run inside the cluster"
      )
    }
    let merged = Merged(documents)
    guard let name = context ?? merged.currentContext, !name.isEmpty else {
      throw KubeConfigError(
        "\(paths.joined(separator: ":")): current-context is not set; give --context (contexts: \(merged.contexts.keys.sorted().joined(separator: ", ")))"
      )
    }
    guard let ctx = merged.contexts[name] else {
      let known = merged.contexts.keys.sorted().joined(separator: ", ")
      throw KubeConfigError(
        "\(paths.joined(separator: ":")): no context named \"\(Sanitize.short(name))\" (contexts: \(known.isEmpty ? "none" : known))"
      )
    }
    return try merged.resolve(name: name, ctx)
  }

  /// The in-cluster configuration: the service account mounted in every pod and the
  /// `KUBERNETES_SERVICE_HOST`/`_PORT` variables.
  public static func inCluster(
    environment: [String: String],
    directory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
  ) throws(KubeConfigError) -> KubeContext {
    guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
      throw KubeConfigError("not inside a cluster: KUBERNETES_SERVICE_HOST is not set")
    }
    let port = environment["KUBERNETES_SERVICE_PORT"] ?? "443"
    let hostPart = host.contains(":") ? "[\(host)]" : host
    guard Files.exists(directory + "/token") else {
      throw KubeConfigError("\(directory)/token: no service account token (is automountServiceAccountToken off?)")
    }
    var ca: [UInt8]?
    do { ca = try Files.read(directory + "/ca.crt") } catch { throw KubeConfigError("\(error)") }
    let namespace = (try? Files.read(directory + "/namespace")).map { String(decoding: $0, as: UTF8.self) }
    return KubeContext(
      name: "in-cluster", namespace: namespace, server: "https://\(hostPart):\(port)", caPEM: ca,
      tokenFile: directory + "/token", baseDirectory: directory)
  }

  // MARK: - Files

  /// One kubeconfig file, its named entries kept as YAML nodes (with their lines) until resolved.
  struct Document {
    let path: String
    var currentContext: String?
    var clusters: [String: Node] = [:]
    var users: [String: Node] = [:]
    var contexts: [String: Node] = [:]

    init(path: String) throws(KubeConfigError) {
      self.path = path
      let bytes: [UInt8]
      do { bytes = try Files.read(path) } catch { throw KubeConfigError("\(error)") }
      let root: Node?
      do { root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) } catch {
        throw KubeConfigError("\(path): invalid YAML: \(error)")
      }
      guard let root else { return }  // an empty file defines nothing, as for kubectl
      guard case .mapping(let map) = root else {
        throw KubeConfigError("\(path):1: expected a kubeconfig (a mapping with clusters, users, contexts)")
      }
      if let cc = map["current-context"] { currentContext = try Field(path: path, name: "current-context").text(cc) }
      for (section, key) in [("clusters", "cluster"), ("users", "user"), ("contexts", "context")] {
        guard let list = map[section] else { continue }
        if Field.isNull(list) { continue }
        guard case .sequence(let items) = list else {
          throw Field(path: path, name: section).fail(list, "expected a list")
        }
        var entries: [String: Node] = [:]
        for (i, item) in items.enumerated() {
          let field = Field(path: path, name: "\(section)[\(i)]")
          guard case .mapping(let m) = item else { throw field.fail(item, "expected a mapping with name and \(key)") }
          guard let nameNode = m["name"] else { throw field.fail(item, "missing name") }
          let name = try field.child("name").text(nameNode)
          guard let body = m[key] else { throw field.fail(item, "missing \(key)") }
          if entries[name] == nil { entries[name] = body }
        }
        switch section {
        case "clusters": clusters = entries
        case "users": users = entries
        default: contexts = entries
        }
      }
    }
  }

  /// Several documents merged: for each name, the first file that defines it.
  struct Merged {
    var currentContext: String?
    var clusters: [String: (Node, String)] = [:]
    var users: [String: (Node, String)] = [:]
    var contexts: [String: (Node, String)] = [:]

    init(_ documents: [Document]) {
      for d in documents {
        if currentContext == nil || currentContext == "" { currentContext = d.currentContext }
        for (k, v) in d.clusters where clusters[k] == nil { clusters[k] = (v, d.path) }
        for (k, v) in d.users where users[k] == nil { users[k] = (v, d.path) }
        for (k, v) in d.contexts where contexts[k] == nil { contexts[k] = (v, d.path) }
      }
    }

    func resolve(name: String, _ entry: (Node, String)) throws(KubeConfigError) -> KubeContext {
      let (node, path) = entry
      let f = Field(path: path, name: "contexts[\"\(Sanitize.short(name))\"].context")
      let m = try f.mapping(node)
      guard let clusterNode = m["cluster"] else { throw f.fail(node, "missing cluster") }
      let clusterName = try f.child("cluster").text(clusterNode)
      guard let (cluster, clusterPath) = clusters[clusterName] else {
        throw f.child("cluster").fail(
          clusterNode,
          "no cluster named \"\(Sanitize.short(clusterName))\" in \(clusters.keys.sorted().joined(separator: ", "))")
      }
      var ctx = KubeContext(name: name, server: "", baseDirectory: Self.directory(of: path))
      if let ns = m["namespace"] { ctx.namespace = try f.child("namespace").text(ns) }
      try Self.apply(
        cluster: cluster, field: Field(path: clusterPath, name: "clusters[\"\(Sanitize.short(clusterName))\"].cluster"),
        to: &ctx)
      if let userNode = m["user"] {
        let userName = try f.child("user").text(userNode)
        if !userName.isEmpty {
          guard let (user, userPath) = users[userName] else {
            throw f.child("user").fail(
              userNode,
              "no user named \"\(Sanitize.short(userName))\" in \(users.keys.sorted().joined(separator: ", "))")
          }
          ctx.baseDirectory = Self.directory(of: userPath)
          try Self.apply(
            user: user, field: Field(path: userPath, name: "users[\"\(Sanitize.short(userName))\"].user"), to: &ctx)
        }
      }
      return ctx
    }

    static func directory(of path: String) -> String {
      let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
      return absolute.lastIndex(of: "/").map { String(absolute[..<$0]) } ?? "."
    }

    static func apply(cluster node: Node, field f: Field, to ctx: inout KubeContext) throws(KubeConfigError) {
      let m = try f.mapping(node)
      guard let server = m["server"] else { throw f.fail(node, "missing server") }
      var url = try f.child("server").text(server)
      guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
        throw f.child("server").fail(server, "expected an https:// URL, not \"\(Sanitize.short(url))\"")
      }
      while url.hasSuffix("/") { url.removeLast() }
      ctx.server = url
      if let v = m["insecure-skip-tls-verify"] { ctx.insecure = try f.child("insecure-skip-tls-verify").bool(v) }
      ctx.caPEM = try f.pem(m, data: "certificate-authority-data", file: "certificate-authority", base: f.directory)
      for unsupported in ["proxy-url", "tls-server-name"] {
        guard let value = m[unsupported] else { continue }
        throw f.child(unsupported).fail(value, "not supported by zonetop yet")
      }
    }

    static func apply(user node: Node, field f: Field, to ctx: inout KubeContext) throws(KubeConfigError) {
      if Field.isNull(node) { return }  // `user:` with nothing after it
      let m = try f.mapping(node)
      ctx.clientCertPEM = try f.pem(m, data: "client-certificate-data", file: "client-certificate", base: f.directory)
      ctx.clientKeyPEM = try f.pem(m, data: "client-key-data", file: "client-key", base: f.directory)
      if (ctx.clientCertPEM == nil) != (ctx.clientKeyPEM == nil) {
        throw f.fail(
          node,
          ctx.clientCertPEM == nil ? "client-key without client-certificate" : "client-certificate without client-key")
      }
      if let t = m["token"] { ctx.token = try f.child("token").text(t) }
      if let t = m["tokenFile"] {
        let p = try f.child("tokenFile").text(t)
        let path = p.hasPrefix("/") ? p : f.directory + "/" + p
        guard Files.exists(path) else { throw f.child("tokenFile").fail(t, "\(path): no such file") }
        ctx.tokenFile = path
      }
      if let e = m["exec"] { ctx.exec = try execPlugin(e, field: f.child("exec")) }
      if let a = m["auth-provider"] {
        let name = (try? f.mapping(a))?["name"].flatMap { try? f.text($0) } ?? "?"
        throw f.child("auth-provider").fail(
          a,
          "the \"\(Sanitize.short(name))\" auth provider was removed from kubectl; use its exec plugin (gke-gcloud-auth-plugin, kubelogin, aws eks get-token)"
        )
      }
      if m["username"] != nil || m["password"] != nil {
        throw f.child("username").fail(node, "basic authentication is not supported (Kubernetes removed it in 1.19)")
      }
    }

    static func execPlugin(_ node: Node, field f: Field) throws(KubeConfigError) -> ExecPlugin {
      let m = try f.mapping(node)
      guard let v = m["apiVersion"] else { throw f.fail(node, "missing apiVersion") }
      let version = try f.child("apiVersion").text(v)
      guard ExecPlugin.apiVersions.contains(version) else {
        throw f.child("apiVersion").fail(
          v, "expected \(ExecPlugin.apiVersions.joined(separator: " or ")), not \"\(Sanitize.short(version))\"")
      }
      guard let c = m["command"] else { throw f.fail(node, "missing command") }
      var plugin = ExecPlugin(
        apiVersion: version, command: try f.child("command").text(c), origin: "\(f.path): \(f.name)")
      guard !plugin.command.isEmpty else { throw f.child("command").fail(c, "empty command") }
      if let a = m["args"] {
        guard case .sequence(let items) = a else { throw f.child("args").fail(a, "expected a list") }
        for (i, item) in items.enumerated() { plugin.args.append(try f.child("args[\(i)]").text(item)) }
      }
      if let e = m["env"], !Field.isNull(e) {
        guard case .sequence(let items) = e else { throw f.child("env").fail(e, "expected a list of {name, value}") }
        for (i, item) in items.enumerated() {
          let ef = f.child("env[\(i)]")
          let em = try ef.mapping(item)
          guard let n = em["name"], let val = em["value"] else { throw ef.fail(item, "expected name and value") }
          plugin.env.append(.init(name: try ef.child("name").text(n), value: try ef.child("value").text(val)))
        }
      }
      if let h = m["installHint"] { plugin.installHint = try f.child("installHint").text(h) }
      if let p = m["provideClusterInfo"] { plugin.provideClusterInfo = try f.child("provideClusterInfo").bool(p) }
      if let i = m["interactiveMode"] {
        let mode = try f.child("interactiveMode").text(i)
        guard ["Never", "IfAvailable", "Always"].contains(mode) else {
          throw f.child("interactiveMode").fail(i, "expected Never, IfAvailable or Always")
        }
        if mode == "Always" {
          throw f.child("interactiveMode").fail(
            i, "Always needs a terminal, which the TUI cannot lend; log in with the plugin first and set IfAvailable")
        }
      } else if version == "client.authentication.k8s.io/v1" {
        throw f.fail(node, "interactiveMode is required with client.authentication.k8s.io/v1 (Never or IfAvailable)")
      }
      return plugin
    }
  }

  /// A field's place in a kubeconfig, for error messages: `FILE:LINE: users["x"].user.token: ...`.
  struct Field {
    let path: String
    let name: String
    var directory: String { Merged.directory(of: path) }

    /// An empty value (`key:`, `key: null`, `key: ~`).
    static func isNull(_ node: Node) -> Bool {
      guard case .scalar(let s) = node else { return false }
      return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func child(_ key: String) -> Field { Field(path: path, name: name + "." + key) }

    func fail(_ node: Node, _ message: String) -> KubeConfigError {
      KubeConfigError("\(path):\(node.mark?.line ?? 0): \(name): \(message)")
    }

    func mapping(_ node: Node) throws(KubeConfigError) -> Node.Mapping {
      guard case .mapping(let m) = node else { throw fail(node, "expected a mapping") }
      return m
    }

    func text(_ node: Node) throws(KubeConfigError) -> String {
      guard case .scalar(let s) = node else { throw fail(node, "expected text") }
      return s.string
    }

    func bool(_ node: Node) throws(KubeConfigError) -> Bool {
      switch try text(node) {
      case "true", "True", "TRUE": return true
      case "false", "False", "FALSE": return false
      default: throw fail(node, "expected true or false")
      }
    }

    /// PEM from `data` (base64) or the file `file` names (relative to the kubeconfig).
    func pem(_ m: Node.Mapping, data: String, file: String, base: String) throws(KubeConfigError) -> [UInt8]? {
      if let d = m[data] {
        let text = try child(data).text(d).filter { !$0.isWhitespace }
        guard let decoded = Data(base64Encoded: text), !decoded.isEmpty else {
          throw child(data).fail(d, "not valid base64")
        }
        let bytes = [UInt8](decoded)
        guard bytes.starts(with: Array("-----BEGIN".utf8)) else {
          throw child(data).fail(d, "decodes to something that is not PEM")
        }
        return bytes
      }
      if let f = m[file] {
        let p = try child(file).text(f)
        let full = p.hasPrefix("/") ? p : base + "/" + p
        do { return try Files.read(full) } catch { throw child(file).fail(f, "cannot read \(full): \(error.message)") }
      }
      return nil
    }
  }
}
