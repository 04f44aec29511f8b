import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTraffic

/// A test CA, server and client certificates, an exec credential plugin, and the fake
/// API server (scripts/fake_apiserver.py) over HTTPS on loopback.
final class FakeCluster {
  let dir: String
  let server: Child
  let port: Int
  var url: String { "https://127.0.0.1:\(port)" }

  init(tokens: [String] = ["secret-token"], tokenPrefix: String? = nil) throws {
    dir = Harness.tempDir("kube")
    guard let openssl = Harness.which("openssl") else {
      throw HarnessError(message: "openssl is needed (make test installs it)")
    }
    func ssl(_ args: [String]) throws {
      let (status, _, err) = try run(openssl, args)
      if status != 0 { throw HarnessError(message: "openssl \(args.first ?? ""): \(err)") }
    }
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try ssl(
      ["req", "-x509"] + ec + [
        "-keyout", dir + "/ca.key", "-out", dir + "/ca.crt", "-days", "2", "-subj", "/CN=zonetop-test-ca",
      ])
    try ssl(
      ["req", "-x509"] + ec + [
        "-keyout", dir + "/other-ca.key", "-out", dir + "/other-ca.crt", "-days", "2", "-subj", "/CN=other-ca",
      ])
    for (name, ext) in [
      ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"), ("client", "extendedKeyUsage=clientAuth"),
    ] {
      try ext.write(toFile: dir + "/\(name).ext", atomically: true, encoding: .utf8)
      try ssl(
        ["req"] + ec + ["-keyout", dir + "/\(name).key", "-out", dir + "/\(name).csr", "-subj", "/CN=zonetop-\(name)"])
      try ssl([
        "x509", "-req", "-in", dir + "/\(name).csr", "-CA", dir + "/ca.crt", "-CAkey", dir + "/ca.key",
        "-CAcreateserial",
        "-out", dir + "/\(name).crt", "-days", "2", "-extfile", dir + "/\(name).ext",
      ])
    }
    var args = [
      Harness.repo + "/scripts/fake_apiserver.py", "--cert", dir + "/server.crt", "--key", dir + "/server.key",
      "--client-ca", dir + "/ca.crt", "--scrapes", Harness.repo + "/Fixtures/demo/scrapes",
    ]
    for t in tokens { args += ["--token", t] }
    if let tokenPrefix { args += ["--token-prefix", tokenPrefix] }
    server = try Child(Harness.which("python3") ?? "/usr/bin/python3", args)
    guard let line = server.waitForLine(prefix: "PORT "), let p = Int(line.dropFirst(5)) else {
      throw HarnessError(message: "the fake API server did not start")
    }
    port = p
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func read(_ name: String) throws -> String { try String(contentsOfFile: dir + "/" + name, encoding: .utf8) }
  func base64(_ name: String) throws -> String { Data(try read(name).utf8).base64EncodedString() }

  /// Replaces the server's pods, nodes and services.
  func load(_ state: [String: Any]) throws {
    let path = dir + "/state-\(UInt32.random(in: 0...UInt32.max)).json"
    try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))
    var o = HTTPOptions()
    o.insecure = true
    let r = Poller(options: o).fetch([url + "/control/load?file=" + path])[0]
    if !r.isSuccess { throw HarnessError(message: "control/load: \(r.error ?? "")") }
  }

  func stats() throws -> [String: Any] {
    var o = HTTPOptions()
    o.insecure = true
    let r = Poller(options: o).fetch([url + "/control/stats"])[0]
    return try JSONSerialization.jsonObject(with: Data(r.body)) as! [String: Any]
  }

  /// Writes a kubeconfig and returns its path.
  func kubeconfig(_ text: String, name: String = "config") throws -> String {
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A kubeconfig with one cluster (this server, CA inline) and one context per user.
  func config(users: [(name: String, yaml: String)], current: String?) throws -> String {
    var text = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: fake
        cluster:
          server: \(url)
          certificate-authority-data: \(try base64("ca.crt"))
      contexts:

      """
    for u in users { text += "- name: \(u.name)\n  context: {cluster: fake, user: \(u.name), namespace: default}\n" }
    text += "users:\n"
    for u in users {
      text +=
        "- name: \(u.name)\n  user:\n" + u.yaml.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        + "\n"
    }
    if let current { text += "current-context: \(current)\n" }
    return try kubeconfig(text)
  }

  /// An exec plugin script that prints token `PREFIX-N` (N counts its runs, kept in `runs`),
  /// valid for `seconds`.
  func execPlugin(prefix: String, seconds: Int, apiVersion: String = "client.authentication.k8s.io/v1") throws -> String
  {
    let path = dir + "/plugin.sh"
    let script = """
      #!/bin/sh
      # The test's exec credential plugin: counts its runs, prints a token.
      echo run >> "\(dir)/runs"
      n=$(wc -l < "\(dir)/runs" | tr -d ' ')
      case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no KUBERNETES_EXEC_INFO" >&2; exit 3;; esac
      exp=$(date -u -d "+\(seconds) seconds" +%Y-%m-%dT%H:%M:%SZ)
      printf '{"kind":"ExecCredential","apiVersion":"\(apiVersion)","status":{"token":"\(prefix)-%s","expirationTimestamp":"%s"}}\\n' "$n" "$exp"

      """
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    return path
  }

  var pluginRuns: Int { ((try? read("runs")) ?? "").split(separator: "\n").count }

  /// Demo nodes (the fixture scrapes are named by node) with ztunnel pods on them.
  static func pod(_ node: String, uid: String? = nil, created: String = "2026-01-01T00:00:00Z", proxy: Int? = nil)
    -> [String: Any]
  {
    var p: [String: Any] = ["name": "ztunnel-\(node)", "node": node, "uid": uid ?? "uid-\(node)", "created": created]
    if let proxy { p["proxy"] = proxy }
    return p
  }

  static func node(_ name: String, labelled: Bool = true) -> [String: Any] {
    // gke-use1-c-2: region us-east1, zone us-east1-c.
    let parts = name.split(separator: "-")
    let region = ["use1": "us-east1", "euw1": "europe-west1", "ase1": "asia-east1"][String(parts[1])] ?? "?"
    return [
      "name": name,
      "labels": labelled
        ? ["topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": "\(region)-\(parts[2])"] : [:],
    ]
  }
}

@Suite(.serialized) struct KubeConfigTests {
  @Test func kubeconfigFilesMergeLikeKubectl() throws {
    let dir = Harness.tempDir("kubeconfig")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/certs", withIntermediateDirectories: true)
    try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(
      toFile: dir + "/certs/ca.pem", atomically: true, encoding: .utf8)
    try "tok-from-file\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
    let first = """
      clusters:
      - name: prod
        cluster: {server: "https://prod.example:6443/", certificate-authority: certs/ca.pem}
      users:
      - name: alice
        user: {tokenFile: token}
      contexts:
      - name: prod
        context: {cluster: prod, user: alice, namespace: shop}
      current-context: prod
      """
    let second = """
      clusters:
      - name: prod
        cluster: {server: "https://shadowed.example"}
      - name: dev
        cluster: {server: "https://dev.example", insecure-skip-tls-verify: true}
      users:
      - name: bob
        user: {token: bob-token}
      contexts:
      - name: dev
        context: {cluster: dev, user: bob}
      current-context: dev
      """
    try first.write(toFile: dir + "/a", atomically: true, encoding: .utf8)
    try second.write(toFile: dir + "/b", atomically: true, encoding: .utf8)
    let env = ["KUBECONFIG": "\(dir)/a:\(dir)/missing:\(dir)/b", "HOME": dir]
    // The first file's current-context and cluster win; relative paths are relative to that file.
    let prod = try KubeConfigLoader.load(explicit: nil, context: nil, environment: env)
    #expect(prod.name == "prod" && prod.server == "https://prod.example:6443" && prod.namespace == "shop")
    #expect(prod.caPEM.map { String(decoding: $0, as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE") } == true)
    #expect(prod.tokenFile == dir + "/token")
    let auth = try KubeAuth(context: prod).httpOptions(HTTPOptions())
    #expect(auth.bearerToken == "tok-from-file")
    // --context picks another context, defined in the second file.
    let dev = try KubeConfigLoader.load(explicit: nil, context: "dev", environment: env)
    #expect(dev.server == "https://dev.example" && dev.insecure && dev.token == "bob-token")
    // --kubeconfig reads only that file.
    let onlyB = try KubeConfigLoader.load(explicit: dir + "/b", context: nil, environment: env)
    #expect(onlyB.name == "dev")
    #expect(KubeConfigLoader.files(explicit: nil, environment: ["HOME": "/home/u"]) == ["/home/u/.kube/config"])
  }

  /// Every kubeconfig mistake names the file, the line and the field.
  @Test(arguments: [
    (
      "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n",
      ":11: users[\"u\"].user.exec.apiVersion: expected client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1"
    ),
    (
      "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: x}\n",
      ":11: users[\"u\"].user.exec: interactiveMode is required"
    ),
    (
      "users:\n- name: u\n  user: {client-certificate-data: \"%%%\", client-key-data: eA==}\n",
      ":10: users[\"u\"].user.client-certificate-data: not valid base64"
    ),
    ("users:\n- name: u\n  user: {client-key: nope.key}\n", ":10: users[\"u\"].user.client-key: cannot read"),
    (
      "users:\n- name: u\n  user: {auth-provider: {name: gcp}}\n",
      ":10: users[\"u\"].user.auth-provider: the \"gcp\" auth provider was removed"
    ),
    ("users:\n- name: other\n  user: {}\n", ":6: contexts[\"c\"].context.user: no user named \"u\""),
  ])
  func kubeconfigErrorsNameTheField(_ users: String, _ expected: String) throws {
    let dir = Harness.tempDir("kubeconfig-err")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let text = """
      clusters:
      - name: k
        cluster: {server: "https://k.example"}
      contexts:
      - name: c
        context: {cluster: k, user: u}
      current-context: c

      """ + users
    try text.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
    do {
      _ = try KubeConfigLoader.load(explicit: dir + "/config", context: nil, environment: [:])
      Issue.record("no error for \(expected)")
    } catch {
      #expect(error.description.hasPrefix(dir + "/config"), "\(error)")
      #expect(error.description.contains(expected), "\(error)")
    }
  }

  @Test func unknownContextAndMissingFilesAreExplained() throws {
    let dir = Harness.tempDir("kubeconfig-ctx")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "contexts:\n- name: a\n  context: {cluster: x}\n".write(
      toFile: dir + "/config", atomically: true, encoding: .utf8)
    #expect(throws: KubeConfigError.self) {
      try KubeConfigLoader.load(explicit: dir + "/config", context: nil, environment: [:])
    }
    do { _ = try KubeConfigLoader.load(explicit: dir + "/config", context: "b", environment: [:]) } catch {
      #expect(error.description.contains("no context named \"b\" (contexts: a)"), "\(error)")
    }
    do { _ = try KubeConfigLoader.load(explicit: nil, context: nil, environment: ["HOME": dir + "/nowhere"]) } catch {
      #expect(error.description.contains("no kubeconfig found"), "\(error)")
    }
  }

  @Test func inClusterConfigUsesTheServiceAccount() throws {
    let dir = Harness.tempDir("sa")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "sa-token-1".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
    try "-----BEGIN CERTIFICATE-----\n".write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
    try "istio-system".write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
    let ctx = try KubeConfigLoader.inCluster(
      environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: dir)
    #expect(ctx.server == "https://10.96.0.1:443" && ctx.namespace == "istio-system")
    let auth = KubeAuth(context: ctx)
    #expect(try auth.httpOptions(HTTPOptions()).bearerToken == "sa-token-1")
    // Projected tokens rotate: the file is read again.
    try "sa-token-2".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
    #expect(try auth.httpOptions(HTTPOptions()).bearerToken == "sa-token-2")
  }

  @Test func execCredentialOutputIsChecked() throws {
    let v1 = "client.authentication.k8s.io/v1"
    let ok =
      #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#
    let c = try ExecCredential.parse(Array(ok.utf8), apiVersion: v1)
    #expect(c.token == "t" && c.expiresMs == RFC3339.parse("2030-01-02T03:04:05Z"))
    for (bad, message) in [
      ("not json", "printed no ExecCredential JSON"),
      (
        #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"t"}}"#,
        "but the kubeconfig asks for"
      ),
      (
        #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}"#,
        "neither a token nor a client certificate"
      ),
    ] {
      #expect(throws: KubeError.self) { try ExecCredential.parse(Array(bad.utf8), apiVersion: v1) }
      do { _ = try ExecCredential.parse(Array(bad.utf8), apiVersion: v1) } catch {
        #expect(error.description.contains(message), "\(error)")
      }
    }
  }
}

@Suite(.serialized) struct KubeDiscoveryTests {
  static let nodes = ["gke-use1-b-1", "gke-use1-c-2", "gke-euw1-b-2", "gke-ase1-a-1"]

  func discovery(_ cluster: FakeCluster, config: String, context: String? = nil, relistMs: Int64 = 30_000) throws
    -> KubeDiscovery
  {
    let ctx = try KubeConfigLoader.load(explicit: config, context: context, environment: [:])
    var options = KubeDiscovery.Options()
    options.relistMs = relistMs
    var api = HTTPOptions()
    api.timeoutMs = 5000
    return KubeDiscovery(api: KubeAPI(auth: KubeAuth(context: ctx), base: api), options: options, scrape: api)
  }

  @Test func tokenAuthListsZtunnelsAndScrapesThemThroughThePodProxy() throws {
    let cluster = try FakeCluster()
    try cluster.load([
      "pods": Self.nodes.map { FakeCluster.pod($0) } + [
        ["name": "not-ztunnel", "node": "gke-use1-b-1", "labels": ["app": "web"]]
      ],
      "nodes": Self.nodes.map { FakeCluster.node($0, labelled: $0 != "gke-ase1-a-1") },
      "services": [
        ["name": "reviews", "namespace": "bookinfo", "trafficDistribution": "PreferSameZone"],
        [
          "name": "ratings", "namespace": "bookinfo",
          "annotations": ["networking.istio.io/traffic-distribution": "PreferClose"],
        ],
        ["name": "plain", "namespace": "bookinfo"],
      ],
    ])
    let config = try cluster.config(users: [("admin", "token: secret-token")], current: "admin")
    let d = try discovery(cluster, config: config)
    let targets = try d.start()
    // One target a node, named by the node; the other app's pod is not selected.
    #expect(targets.map(\.name) == Self.nodes.sorted())
    #expect(
      targets[0].url == cluster.url + "/api/v1/namespaces/istio-system/pods/ztunnel-gke-ase1-a-1:15020/proxy/metrics")
    let refresh = d.refresh(nowMs: WallClock.nowMs())
    let status = try #require(refresh.discovery)
    #expect(status.error == nil, "\(status.error ?? "")")
    #expect(status.nodes["gke-use1-c-2"] == NodeLocality(node: "gke-use1-c-2", zone: "us-east1-c", region: "us-east1"))
    #expect(status.nodes["gke-ase1-a-1"]?.hasTopology == false)
    #expect(
      status.routing(ofService: "reviews.bookinfo.svc.cluster.local")
        == ServiceRouting(trafficDistribution: "PreferSameZone", from: "spec"))
    #expect(status.routing(ofService: "ratings.bookinfo.svc.cluster.local")?.from == "annotation")
    #expect(status.routing(ofService: "plain.bookinfo.svc.cluster.local") == nil)
    // The scrape goes through the proxy with the same credentials and yields ztunnel metrics.
    let results = Poller(options: refresh.http).fetch(refresh.targets)
    for r in results {
      #expect(r.isSuccess, "\(r.target): \(r.error ?? "")")
      #expect(String(decoding: r.body, as: UTF8.self).contains("istio_tcp_sent_bytes_total{"))
    }
    #expect((try cluster.stats()["tokens"] as? [String])?.allSatisfy { $0 == "secret-token" } == true)
  }

  /// `--kube-direct`: pods are scraped at their IP (here the loopback fixture server, standing in
  /// for a ztunnel), over plain HTTP and without the API server's credentials.
  @Test func directModeScrapesPodIPs() throws {
    let cluster = try FakeCluster()
    let ztunnel = try FixtureServer()
    var pod = FakeCluster.pod("gke-use1-b-1")
    pod["ip"] = "127.0.0.1"
    try cluster.load(["pods": [pod], "nodes": [FakeCluster.node("gke-use1-b-1")]])
    let config = try cluster.config(users: [("admin", "token: secret-token")], current: "admin")
    let ctx = try KubeConfigLoader.load(explicit: config, context: nil, environment: [:])
    var options = KubeDiscovery.Options()
    options.direct = true
    options.port = ztunnel.port
    let d = KubeDiscovery(api: KubeAPI(auth: KubeAuth(context: ctx)), options: options, scrape: HTTPOptions())
    #expect(try d.start() == [ScrapeTarget(name: "gke-use1-b-1", url: "http://127.0.0.1:\(ztunnel.port)/metrics")])
    let refresh = d.refresh(nowMs: WallClock.nowMs())
    #expect(refresh.http.bearerToken == nil && refresh.http.clientCertPEM == nil)
    let r = Poller(options: refresh.http).fetch(refresh.targets)[0]
    #expect(r.isSuccess, "\(r.error ?? "")")
    #expect(String(decoding: r.body, as: UTF8.self).contains("istio_tcp_sent_bytes_total{"))
  }

  @Test func clientCertificatesAndSeveralContexts() throws {
    let cluster = try FakeCluster(tokens: [])
    try cluster.load(["pods": [FakeCluster.pod("gke-use1-b-1")], "nodes": [FakeCluster.node("gke-use1-b-1")]])
    let certUser =
      "client-certificate-data: \(try cluster.base64("client.crt"))\nclient-key-data: \(try cluster.base64("client.key"))"
    let config = try cluster.config(users: [("nobody", "token: wrong"), ("cert", certUser)], current: "nobody")
    // The current context's token is refused, with the reason.
    do {
      _ = try discovery(cluster, config: config).start()
      Issue.record("a wrong token was accepted")
    } catch {
      #expect("\(error)".contains("HTTP 401 (the credentials were refused)"), "\(error)")
    }
    // --context cert authenticates with the client certificate.
    let d = try discovery(cluster, config: config, context: "cert")
    #expect(try d.start().map(\.name) == ["gke-use1-b-1"])
    let refresh = d.refresh(nowMs: WallClock.nowMs())
    #expect(Poller(options: refresh.http).fetch(refresh.targets)[0].isSuccess)
    #expect((try cluster.stats()["client_certs"] as? Int ?? 0) >= 3)
    // A CA that did not sign the server's certificate is a TLS error.
    var ctx = try KubeConfigLoader.load(explicit: config, context: "cert", environment: [:])
    ctx.caPEM = Array(try cluster.read("other-ca.crt").utf8)
    do {
      _ = try KubeAPI(auth: KubeAuth(context: ctx)).pods(namespace: "istio-system", selector: "app=ztunnel")
      Issue.record("an unknown CA was trusted")
    } catch {
      #expect(
        "\(error)".contains("TLS:") && "\(error)".contains("check the kubeconfig's certificate-authority"), "\(error)")
    }
  }

  @Test func execPluginCredentialsAreCachedUntilTheyExpireOrAreRefused() throws {
    let cluster = try FakeCluster(tokens: [], tokenPrefix: "exec-")
    try cluster.load(["pods": [FakeCluster.pod("gke-use1-b-1")], "nodes": [FakeCluster.node("gke-use1-b-1")]])
    let plugin = try cluster.execPlugin(prefix: "exec", seconds: 3600)
    let config = try cluster.config(
      users: [
        (
          "eks",
          """
          exec:
            apiVersion: client.authentication.k8s.io/v1
            command: ./plugin.sh
            args: [token, --cluster-name, fake]
            env: [{name: AWS_PROFILE, value: test}]
            interactiveMode: IfAvailable
          """
        )
      ], current: "eks")
    #expect(FileManager.default.isExecutableFile(atPath: plugin))
    let d = try discovery(cluster, config: config, relistMs: 0)
    _ = try d.start()
    for _ in 0..<3 { _ = d.refresh(nowMs: WallClock.nowMs()) }
    // Four listings (pods, nodes, services each) with one run of the plugin: the token is cached.
    #expect(cluster.pluginRuns == 1)
    #expect(d.api.auth.execRuns == 1)
    // The server revokes the token: a 401 makes zonetop ask the plugin again, once.
    try cluster.load(["revoked": ["exec-1"]])
    let after = d.refresh(nowMs: WallClock.nowMs())
    #expect(after.discovery?.error == nil, "\(after.discovery?.error ?? "")")
    #expect(cluster.pluginRuns == 2)
    #expect(after.http.bearerToken == "exec-2")
    // An expired credential is renewed before use.
    let later = try d.api.auth.httpOptions(HTTPOptions(), nowMs: WallClock.nowMs() + 7_200_000)
    #expect(later.bearerToken == "exec-3" && cluster.pluginRuns == 3)
  }

  @Test func aFailingPluginSaysWhy() throws {
    let cluster = try FakeCluster()
    let config = try cluster.config(
      users: [
        (
          "gke",
          """
          exec:
            apiVersion: client.authentication.k8s.io/v1beta1
            command: gke-gcloud-auth-plugin-not-installed
            installHint: Install gke-gcloud-auth-plugin for use with kubectl
          """
        )
      ], current: "gke")
    do {
      _ = try discovery(cluster, config: config).start()
      Issue.record("a missing plugin was not reported")
    } catch {
      let text = "\(error)"
      #expect(text.contains("exec plugin gke-gcloud-auth-plugin-not-installed"), "\(text)")
      #expect(text.contains("users[\"gke\"].user.exec): not found; Install gke-gcloud-auth-plugin"), "\(text)")
    }
  }

  /// Only a ztunnel that started since the last listing is counted from zero; one that had been
  /// running unseen (its node newly matched) is a baseline like any first scrape.
  @Test func onlyZtunnelsStartedSinceTheLastListingCountFromZero() throws {
    let cluster = try FakeCluster()
    let longAgo = RFC3339.format(ms: WallClock.nowMs() - 7_200_000)
    try cluster.load(["pods": [FakeCluster.pod("gke-use1-b-1", created: longAgo)]])
    let config = try cluster.config(users: [("admin", "token: secret-token")], current: "admin")
    let d = try discovery(cluster, config: config, relistMs: 0)
    _ = try d.start()
    let now = WallClock.nowMs()
    var fresh = FakeCluster.pod("gke-use1-b-1", uid: "uid-2", created: RFC3339.format(ms: now))
    fresh["started"] = RFC3339.format(ms: now)
    try cluster.load(["pods": [fresh, FakeCluster.pod("gke-use1-c-2", created: longAgo)]])
    let refresh = d.refresh(nowMs: now + 1000)
    #expect(refresh.targets.map(\.name) == ["gke-use1-b-1", "gke-use1-c-2"])
    #expect(refresh.replaced.map(\.name) == ["gke-use1-b-1"])
  }

  @Test func podsThatComeAndGoAreFollowedAndProxyErrorsStayPerTarget() throws {
    let cluster = try FakeCluster()
    let start = RFC3339.format(ms: WallClock.nowMs() - 3_600_000)
    try cluster.load([
      "pods": [
        FakeCluster.pod("gke-use1-b-1", created: start), FakeCluster.pod("gke-use1-c-2", created: start),
        FakeCluster.pod("gke-euw1-b-2", created: start, proxy: 403),
        FakeCluster.pod("gke-ase1-a-1", created: start, proxy: 503),
      ],
      "nodes": Self.nodes.map { FakeCluster.node($0) },
    ])
    let config = try cluster.config(users: [("admin", "token: secret-token")], current: "admin")
    let d = try discovery(cluster, config: config, relistMs: 0)
    _ = try d.start()
    let feed = LiveSource(provider: d, intervalMs: 300, label: "kube")
    var data = CollectedData()
    feed.start()
    defer { feed.stop() }
    func waitRounds(_ n: Int) {
      let goal = data.roundsReceived + n
      let deadline = Date().addingTimeInterval(15)
      while data.roundsReceived < goal && Date() < deadline {
        usleep(50_000)
        for u in feed.takeUpdates(realSeconds: 0.05) { data.apply(u) }
      }
    }
    waitRounds(3)
    var health = Dictionary(uniqueKeysWithValues: data.health.map { ($0.target, $0) })
    #expect(health["gke-use1-b-1"]?.up == true && health["gke-use1-c-2"]?.up == true)
    #expect(
      health["gke-euw1-b-2"]?.lastError?.hasPrefix("HTTP 403") == true, "\(health["gke-euw1-b-2"]?.lastError ?? "")")
    #expect(health["gke-ase1-a-1"]?.lastError?.hasPrefix("HTTP 503") == true)
    #expect(data.history.report(windowMs: 60_000, options: ReportOptions()).zonePairs.values.contains { $0.bytes > 0 })
    // A node leaves, a new one arrives, and the ztunnel of another is replaced by a new pod.
    let now = RFC3339.format(ms: WallClock.nowMs())
    try cluster.load([
      "pods": [
        FakeCluster.pod("gke-use1-c-2", uid: "uid-new", created: now), FakeCluster.pod("gke-euw1-b-1", created: now),
      ]
    ])
    waitRounds(3)
    health = Dictionary(uniqueKeysWithValues: data.health.map { ($0.target, $0) })
    #expect(Set(health.keys) == ["gke-use1-c-2", "gke-euw1-b-1"])
    #expect(data.targetCount == 2)
    #expect(health["gke-euw1-b-1"]?.up == true)
    // The replaced pod counts as a restart of its node's ztunnel, not as lost traffic.
    #expect((health["gke-use1-c-2"]?.counterResets ?? 0) >= 1)
    #expect(data.discovery?.summary.hasPrefix("2 ztunnel pods") == true)
  }
}

/// `--kube` through the real binary: headless recording and the TUI.
@Suite(.serialized) struct KubeCLITests {
  static let nodes = ["gke-use1-b-1", "gke-use1-c-2", "gke-euw1-b-2", "gke-ase1-a-1"]

  func cluster() throws -> (FakeCluster, String) {
    let cluster = try FakeCluster()
    try cluster.load([
      "pods": Self.nodes.map { FakeCluster.pod($0, proxy: $0 == "gke-euw1-b-2" ? 403 : nil) },
      "nodes": Self.nodes.map { FakeCluster.node($0, labelled: $0 != "gke-ase1-a-1") },
      "services": [["name": "catalog", "namespace": "shop", "trafficDistribution": "PreferSameZone"]],
    ])
    return (cluster, try cluster.config(users: [("admin", "token: secret-token")], current: "admin"))
  }

  @Test func recordKubeWritesOneTargetPerNode() throws {
    let (cluster, config) = try cluster()
    let out = cluster.dir + "/kube.ztrec"
    let (status, _, err) = try run(
      Harness.binary,
      ["record", "--kube", "--kubeconfig", config, "--interval", "1s", "--duration", "3s", "--out", out])
    #expect(status == 0, "\(err)")
    #expect(err.contains("gke-euw1-b-2: HTTP 403"), "\(err)")
    let source = try OfflineSource(path: out)
    #expect(Set(source.entries.map(\.target)) == Set(Self.nodes))
    #expect(source.entries.filter { $0.target == "gke-use1-c-2" && $0.isSuccess }.count >= 2)
    // The recording aggregates like any other.
    let (s2, csv, e2) = try run(Harness.binary, ["snapshot", out, "--format", "csv"])
    #expect(s2 == 0, "\(e2)")
    #expect(csv.split(whereSeparator: \.isNewline).count > 1, "\(csv) \(e2)")
    // Without access the command stops at once and says why.
    let (s3, _, e3) = try run(
      Harness.binary, ["record", "--kube", "--kubeconfig", config, "--context", "nope", "--out", out])
    #expect(s3 == 1 && e3.contains("no context named \"nope\" (contexts: admin)"), "\(e3)")
  }

  @Test func theTUIShowsNodeZonesAndServiceRouting() throws {
    guard let tmux = EndToEndTests.tmux else {
      Issue.record("tmux is needed (make test installs it)")
      return
    }
    let (cluster, config) = try cluster()
    _ = cluster
    let s = try EndToEndTests.Session(
      tmux: tmux, command: "\(Harness.binary) --kube --kubeconfig \(config) --interval 1s", width: 120, height: 30)
    try s.keys("5")
    let health = try s.waitFor("HTTP 403")
    #expect(health.contains("kube admin"))
    #expect(health.contains("NODE ZONE"))
    #expect(health.contains("us-east1-c"))
    #expect(health.contains("no labels"))
    #expect(health.contains("nodes without topology.kubernetes.io labels: 1 (gke-ase1-a-1)"))
    try s.keys("4")
    let services = try s.waitFor("PreferSameZone")
    #expect(services.contains("ROUTING"))
    #expect(services.contains("1 service asks for same-zone routing"))
  }
}

/// Several contexts at once: two fake API servers (each its own CA and token) and a third
/// context whose server is not there.
@Suite(.serialized) struct KubeContextsTests {
  static let east = ["gke-use1-b-1", "gke-euw1-b-1"]
  static let west = ["gke-use1-b-1", "gke-ase1-a-1"]

  func clusters() throws -> (FakeCluster, FakeCluster, String) {
    let a = try FakeCluster(tokens: ["token-east"])
    let b = try FakeCluster(tokens: ["token-west"])
    for (cluster, nodes) in [(a, Self.east), (b, Self.west)] {
      try cluster.load(["pods": nodes.map { FakeCluster.pod($0) }, "nodes": nodes.map { FakeCluster.node($0) }])
    }
    let config = try a.kubeconfig(
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: east
        cluster: {server: "\(a.url)", certificate-authority-data: \(try a.base64("ca.crt"))}
      - name: west
        cluster: {server: "\(b.url)", certificate-authority-data: \(try b.base64("ca.crt"))}
      - name: gone
        cluster: {server: "https://127.0.0.1:9", certificate-authority-data: \(try a.base64("ca.crt"))}
      contexts:
      - {name: east, context: {cluster: east, user: east}}
      - {name: west, context: {cluster: west, user: west}}
      - {name: gone, context: {cluster: gone, user: east}}
      users:
      - {name: east, user: {token: token-east}}
      - {name: west, user: {token: token-west}}
      current-context: east

      """)
    return (a, b, config)
  }

  @Test func recordWatchesSeveralContextsAndSurvivesADeadOne() throws {
    let (a, b, config) = try clusters()
    _ = b
    let out = a.dir + "/contexts.ztrec"
    let (status, _, err) = try run(
      Harness.binary,
      [
        "record", "--kube", "--kubeconfig", config, "--context", "east,west", "--context", "gone", "--interval", "1s",
        "--duration", "3s", "--out", out,
      ])
    #expect(status == 0, "\(err)")
    #expect(err.contains("warning: context gone (https://127.0.0.1:9): GET "), "\(err)")
    let source = try OfflineSource(path: out)
    let expected = Set(Self.east.map { "east/" + $0 } + Self.west.map { "west/" + $0 })
    #expect(Set(source.entries.map(\.target)) == expected)
    // Each cluster's ztunnels were reached with that cluster's credentials.
    for target in expected {
      #expect(source.entries.filter { $0.target == target && $0.isSuccess }.count >= 2, "\(target)")
    }
  }

  @Test func snapshotOfAllContextsNamesTargetsByContext() throws {
    let (a, b, config) = try clusters()
    _ = (a, b)
    let (status, json, err) = try run(
      Harness.binary,
      ["snapshot", "--kube", "--kubeconfig", config, "--all-contexts", "--window", "1s", "--format", "json"])
    // Two of three contexts answered: data, with the dead one named.
    #expect(status == 0, "\(err)")
    #expect(err.contains("warning: context gone (https://127.0.0.1:9)"), "\(err)")
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    let names = Set((doc["targets"] as! [[String: Any]]).map { $0["target"] as! String })
    #expect(names == Set(Self.east.map { "east/" + $0 } + Self.west.map { "west/" + $0 }))
    #expect((doc["targets_up"] as! Int) == 4)
  }

  @Test func everyContextDeadExitsWithTheReasons() throws {
    let (a, _, config) = try clusters()
    _ = a
    let (status, _, err) = try run(
      Harness.binary, ["snapshot", "--kube", "--kubeconfig", config, "--context", "gone", "--context", "gone,gone"])
    #expect(status == 1, "\(err)")
    #expect(err.contains("context gone (https://127.0.0.1:9): GET "), "\(err)")
    // --context and --all-contexts contradict each other.
    let (s2, _, e2) = try run(
      Harness.binary,
      ["record", "--kube", "--kubeconfig", config, "--context", "gone", "--all-contexts", "--out", a.dir + "/x"])
    #expect(s2 != 0 && e2.contains("--context or --all-contexts, not both"), "\(e2)")
  }
}
