import Foundation
import Glibc
import Synchronization
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// A problem reaching or using the API server, in words.
public struct KubeError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// What an exec plugin printed (`ExecCredential.status`).
public struct ExecCredential: Sendable, Equatable {
  public var token: String?
  public var clientCertPEM: [UInt8]?
  public var clientKeyPEM: [UInt8]?
  /// When it stops being valid; nil: valid until the server refuses it (401).
  public var expiresMs: Int64?

  /// Parses a plugin's standard output; `apiVersion` must match the one asked for.
  public static func parse(_ output: [UInt8], apiVersion: String) throws(KubeError) -> ExecCredential {
    guard let json = try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any] else {
      throw KubeError("printed no ExecCredential JSON (\(Sanitize.short(output, limit: 60)))")
    }
    guard json["kind"] as? String == "ExecCredential" else {
      throw KubeError("printed JSON whose kind is not ExecCredential")
    }
    guard let v = json["apiVersion"] as? String, v == apiVersion else {
      throw KubeError(
        "printed apiVersion \(Sanitize.short(json["apiVersion"] as? String ?? "(none)")), but the kubeconfig asks for \(apiVersion)"
      )
    }
    guard let status = json["status"] as? [String: Any] else {
      throw KubeError("printed an ExecCredential without status")
    }
    var c = ExecCredential()
    c.token = status["token"] as? String
    c.clientCertPEM = (status["clientCertificateData"] as? String).map { Array($0.utf8) }
    c.clientKeyPEM = (status["clientKeyData"] as? String).map { Array($0.utf8) }
    if let t = status["expirationTimestamp"] as? String {
      guard let ms = RFC3339.parse(t) else {
        throw KubeError("printed an expirationTimestamp that is not RFC 3339: \(Sanitize.short(t))")
      }
      c.expiresMs = ms
    }
    guard c.token != nil || (c.clientCertPEM != nil && c.clientKeyPEM != nil) else {
      throw KubeError("printed an ExecCredential with neither a token nor a client certificate and key")
    }
    return c
  }
}

/// The credentials for the API server, kept fresh: a token file is read again when it
/// changes, an exec plugin runs again when its credential expires or the server answers
/// 401, and is otherwise cached (as kubectl does).
public final class KubeAuth: @unchecked Sendable {
  public let context: KubeContext
  private let state = Mutex<State>(State())
  private struct State {
    var credential: ExecCredential?
    var runs = 0
  }

  public init(context: KubeContext) { self.context = context }

  /// How many times the exec plugin ran.
  public var execRuns: Int { state.withLock { $0.runs } }

  /// `base` with the server's CA and the current credentials.
  public func httpOptions(_ base: HTTPOptions, nowMs: Int64 = WallClock.nowMs()) throws(KubeError) -> HTTPOptions {
    var o = base
    o.caCertPEM = context.caPEM
    if context.insecure { o.insecure = true }
    o.clientCertPEM = context.clientCertPEM
    o.clientKeyPEM = context.clientKeyPEM
    o.bearerToken = context.token
    if let file = context.tokenFile {
      let bytes: [UInt8]
      do { bytes = try Files.read(file) } catch { throw KubeError("token file: \(error)") }
      o.bearerToken = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    if let plugin = context.exec {
      let c = try credential(plugin, nowMs: nowMs)
      if let t = c.token { o.bearerToken = t }
      if let cert = c.clientCertPEM, let key = c.clientKeyPEM {
        o.clientCertPEM = cert
        o.clientKeyPEM = key
      }
    }
    return o
  }

  /// Drops a cached plugin credential (the server refused it).
  public func invalidate() { state.withLock { $0.credential = nil } }

  /// Whether a 401 may be cured by asking again.
  public var canRefresh: Bool { context.exec != nil || context.tokenFile != nil }

  private func credential(_ plugin: ExecPlugin, nowMs: Int64) throws(KubeError) -> ExecCredential {
    if let c = state.withLock({ $0.credential }), c.expiresMs.map({ nowMs < $0 }) ?? true { return c }
    let c = try run(plugin)
    state.withLock {
      $0.credential = c
      $0.runs += 1
    }
    return c
  }

  /// Runs the plugin with `KUBERNETES_EXEC_INFO` set, no terminal, and a 60 s limit.
  private func run(_ plugin: ExecPlugin) throws(KubeError) -> ExecCredential {
    var info: [String: Any] = [
      "kind": "ExecCredential", "apiVersion": plugin.apiVersion, "spec": ["interactive": false],
    ]
    if plugin.provideClusterInfo {
      var cluster: [String: Any] = ["server": context.server, "insecure-skip-tls-verify": context.insecure]
      if let ca = context.caPEM { cluster["certificate-authority-data"] = Data(ca).base64EncodedString() }
      info["spec"] = ["interactive": false, "cluster": cluster]
    }
    let infoJSON =
      (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])).map {
        String(decoding: $0, as: UTF8.self)
      } ?? "{}"
    var env = ProcessInfo.processInfo.environment
    for e in plugin.env { env[e.name] = e.value }
    env["KUBERNETES_EXEC_INFO"] = infoJSON
    // A relative path with a slash is relative to the kubeconfig's directory; a bare name is looked up in PATH.
    var command = plugin.command
    if command.contains("/") && !command.hasPrefix("/") { command = context.baseDirectory + "/" + command }
    let name = "exec plugin \(Sanitize.short(plugin.command)) (\(plugin.origin))"
    let result: Subprocess.Result
    do { result = try Subprocess.run(command, plugin.args, environment: env, timeoutSeconds: 60) } catch {
      throw KubeError(
        "\(name): \(error.description)\(plugin.installHint.map { "; " + Sanitize.short($0, limit: 200) } ?? "")")
    }
    guard result.status == 0 else {
      let why =
        String(decoding: result.stderr, as: UTF8.self).split(separator: "\n").first.map {
          Sanitize.short(String($0), limit: 120)
        } ?? ""
      throw KubeError(
        "\(name): \(result.timedOut ? "killed after 60 s" : "exited with status \(result.status)")\(why.isEmpty ? "" : ": " + why)"
      )
    }
    do { return try ExecCredential.parse(result.stdout, apiVersion: plugin.apiVersion) } catch {
      throw KubeError("\(name): \(error.description)")
    }
  }
}

/// Runs a program to completion with posix_spawn, capturing its output.
enum Subprocess {
  struct Result {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var timedOut: Bool
  }

  static func run(_ command: String, _ args: [String], environment: [String: String], timeoutSeconds: Double)
    throws(KubeError) -> Result
  {
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw KubeError("cannot create a pipe") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    // The child starts with default signal handling and nothing blocked, whatever the TUI set.
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGWINCH] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([command] + args).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, command, &actions, &attr, argv, envp)
    close(outPipe[1])
    close(errPipe[1])
    defer {
      close(outPipe[0])
      close(errPipe[0])
    }
    guard rc == 0 else {
      throw KubeError(rc == ENOENT ? "not found" : String(cString: strerror(rc)).lowercased())
    }
    var out: [UInt8] = []
    var err: [UInt8] = []
    var open = [outPipe[0], errPipe[0]]
    let deadline = WallClock.monotonic() + timeoutSeconds
    var timedOut = false
    var buffer = [UInt8](repeating: 0, count: 65536)
    while !open.isEmpty {
      let left = deadline - WallClock.monotonic()
      if left <= 0 {
        timedOut = true
        kill(pid, SIGKILL)
        break
      }
      var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      let n = poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000))
      if n < 0 && errno != EINTR { break }
      for f in fds where f.revents != 0 {
        let got = read(f.fd, &buffer, buffer.count)
        if got <= 0 {
          open.removeAll { $0 == f.fd }
        } else if out.count + err.count < 16 << 20 {
          if f.fd == outPipe[0] { out += buffer[0..<got] } else { err += buffer[0..<got] }
        }
      }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = (status & 0x7f) == 0
    return Result(
      status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: out, stderr: err, timedOut: timedOut)
  }
}
