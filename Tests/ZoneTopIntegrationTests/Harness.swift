import Foundation
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// Paths and helper processes for the integration tests (all traffic stays on loopback).
enum Harness {
  static let repo: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/")
  }()
  static let demo = repo + "/Fixtures/demo/demo.ztrec.gz"

  /// The zonetop binary under test: `ZONETOP_BIN` (set by `make test`) or the debug build.
  static var binary: String {
    ProcessInfo.processInfo.environment["ZONETOP_BIN"] ?? repo + "/.build/debug/zonetop"
  }

  static func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let p = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
  }

  /// A temporary directory that is removed by `cleanup`.
  static func tempDir(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "zonetop-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }
}

/// A child process that is killed when the value is released.
final class Child {
  let process = Process()
  let output = Pipe()

  init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    if let environment { process.environment = environment }
    try process.run()
  }

  /// Reads stdout until a line starting with `prefix` appears (or 15 s pass).
  func waitForLine(prefix: String) -> String? {
    var buffer = ""
    let deadline = Date().addingTimeInterval(15)
    let handle = output.fileHandleForReading
    while Date() < deadline {
      let data = handle.availableData
      if data.isEmpty { return nil }
      buffer += String(decoding: data, as: UTF8.self)
      if let line = buffer.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
    }
    return nil
  }

  deinit {
    // SIGKILL and waitpid: a child may have inherited a mask that blocks SIGTERM,
    // and Foundation's waitUntilExit needs a run loop.
    let pid = process.processIdentifier
    if pid > 0 {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
    }
  }
}

/// The loopback fixture server (scripts/fixture_server.py).
final class FixtureServer {
  let child: Child
  let port: Int

  init(recording: String? = Harness.demo, extra: [String] = []) throws {
    var args = [Harness.repo + "/scripts/fixture_server.py"] + extra
    if let recording { args += ["--recording", recording] }
    child = try Child(Harness.which("python3") ?? "/usr/bin/python3", args)
    guard let line = child.waitForLine(prefix: "PORT "), let p = Int(line.dropFirst(5)) else {
      throw HarnessError(message: "fixture server did not start")
    }
    port = p
  }

  func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
  func target(_ i: Int) -> String { url("/t/\(i)/metrics") }

  func stats() throws -> [String: Any] {
    let r = Poller(options: HTTPOptions()).fetch([url("/stats")])[0]
    return try JSONSerialization.jsonObject(with: Data(r.body)) as! [String: Any]
  }
}

struct HarnessError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

/// Runs a command to completion and returns (status, stdout, stderr).
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws
  -> (Int32, String, String)
{
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable)
  p.arguments = arguments
  var env = ProcessInfo.processInfo.environment
  env["NO_COLOR"] = "1"
  env["COLUMNS"] = "120"
  for (k, v) in environment { env[k] = v }
  p.environment = env
  let out = Pipe()
  let err = Pipe()
  p.standardOutput = out
  p.standardError = err
  if let stdin {
    let inPipe = Pipe()
    p.standardInput = inPipe
    inPipe.fileHandleForWriting.write(Data(stdin.utf8))
    try inPipe.fileHandleForWriting.close()
  }
  try p.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = err.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The demo's first `k[target]` frames of each target, as a recording file.
func demoPrefix(frames k: [String: Int], to path: String) throws {
  let demo = try OfflineSource(path: Harness.demo)
  var taken: [String: Int] = [:]
  let writer = try RecordingWriter(path: path)
  for e in demo.entries {
    let n = taken[e.target, default: 0]
    guard n < (k[e.target] ?? 0) else { continue }
    taken[e.target] = n + 1
    try writer.append(
      Frame(
        target: e.target, timeMs: e.timeMs, status: e.status, contentType: e.contentType, error: e.error,
        body: e.isSuccess ? try demo.body(of: e) : []))
  }
}

/// The demo's targets in recording order (target i of the fixture server is the i-th).
func demoTargets() throws -> [String] {
  var seen: [String] = []
  for e in try OfflineSource(path: Harness.demo).entries where !seen.contains(e.target) { seen.append(e.target) }
  return seen
}

func zoneBytes(_ r: TrafficReport) -> [ZonePair: UInt64] {
  r.zonePairs.filter { $0.value.bytes > 0 }.mapValues(\.bytes)
}

/// Runs a command to completion and returns its exit status, stderr, peak resident
/// memory (bytes) and wall time.
///
/// A small Python parent starts it and reads its peak from
/// wait4: a child spawned directly from this large test process would inherit the test's
/// own high-water mark at exec (Linux carries it over into ru_maxrss).
func runMeasured(_ executable: String, _ arguments: [String]) throws -> (
  status: Int32, stderr: String, peakRSS: Int, seconds: Double
) {
  let script = """
    import resource, subprocess, sys
    r = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sys.stderr.buffer.write(r.stderr)
    print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """
  let t0 = Date()
  let (status, out, err) = try run(
    Harness.which("python3") ?? "/usr/bin/python3", ["-c", script, executable] + arguments)
  let fields = out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  guard status == 0, fields.count == 2 else {
    throw HarnessError(message: "measuring \(executable) failed: \(out) \(err)")
  }
  return (Int32(fields[0]), err, fields[1] * 1024, Date().timeIntervalSince(t0))
}

/// A character device like `/dev/null` to write to.
///
/// As root, a private node (c 1 3) in `dir`: a bug that
/// replaced it cannot replace the machine's `/dev/null`. Otherwise `/dev/null` itself, which
/// a process without root cannot replace.
func nullDevice(in dir: String) -> String {
  let path = dir + "/null"
  var null = stat()
  guard getuid() == 0, stat("/dev/null", &null) == 0, mknod(path, S_IFCHR | 0o666, null.st_rdev) == 0 else {
    return "/dev/null"
  }
  return path
}

/// Reads a FIFO on its own thread, as `cat fifo` would, until `finish`.
///
/// The read end is opened without blocking before anything writes, so a writer's open
/// finds a reader at once, and a writer that never opens the FIFO cannot hang the test.
final class FIFOReader: @unchecked Sendable {
  private let fd: Int32
  private let lock = NSLock()
  private var data: [UInt8] = []
  private var writerDone = false
  private let ended = DispatchSemaphore(value: 0)

  init(path: String) throws {
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw HarnessError(message: "\(path): cannot open for reading") }
    Thread.detachNewThread { [self] in drain() }
  }

  private func drain() {
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&p, 1, 50)
      // Read after looking at the flag: once the writer is done, an empty read means all of it was read.
      let done = lock.withLock { writerDone }
      let n = read(fd, &buf, buf.count)
      if n > 0 {
        lock.withLock { data += buf[0..<n] }
      } else if done {
        break
      }
    }
    ended.signal()
  }

  /// Call once the writer has ended: what the reader got.
  func finish() -> [UInt8] {
    lock.withLock { writerDone = true }
    ended.wait()
    close(fd)
    return lock.withLock { data }
  }
}
