import Glibc
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// What one child process cost.
struct ProcessCost {
  var wall: Double
  var cpu: Double
  var maxRSSBytes: Int
  var status: Int32
}

/// Runs a command to completion and measures it with wait4's rusage.
func measure(_ argv: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") -> ProcessCost {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  defer { posix_spawn_file_actions_destroy(&actions) }
  var cargs = argv.map { strdup($0) } + [nil]
  defer { for p in cargs { free(p) } }
  var pid: pid_t = 0
  let t0 = WallClock.monotonic()
  guard posix_spawnp(&pid, argv[0], &actions, nil, &cargs, environ) == 0 else {
    return ProcessCost(wall: 0, cpu: 0, maxRSSBytes: 0, status: -1)
  }
  var status: Int32 = 0
  var usage = rusage()
  wait4(pid, &status, 0, &usage)
  let wall = WallClock.monotonic() - t0
  let cpu =
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(
      usage.ru_stime.tv_usec) / 1e6
  return ProcessCost(wall: wall, cpu: cpu, maxRSSBytes: Int(usage.ru_maxrss) * 1024, status: (status >> 8) & 0xFF)
}

/// Peak RSS of a command, measured by a python3 parent whose own small footprint is
/// the floor of the figure (a child's ru_maxrss starts from its parent's at exec).
func peakRSSThroughPython(_ argv: [String]) -> Int {
  let args = argv.map { "'\($0)'" }.joined(separator: ", ")
  let script =
    "import resource, subprocess; subprocess.run([\(args)], stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
  return (Int(shell("python3 -c \"\(script)\"").trimmingCharacters()) ?? 0) * 1024
}

/// Puts a file in the page cache as reading it from disk does: written back, dropped,
/// then read once, so that readahead fills the cache in large folios.
///
/// A cache that has
/// aged under other work can hold the same file in 4 KiB pages, and reading it out then
/// takes twice as long (here `cat` of the 48.5 MB parser input: 5.5 ms instead of 2.7).
/// Returns false when the pages could not all be dropped (the file is mapped elsewhere).
func cacheAfresh(_ path: String) -> Bool {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  var st = stat()
  guard fstat(fd, &st) == 0, st.st_size > 0 else { return false }
  let size = Int(st.st_size)
  fdatasync(fd)
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
  var resident = 0
  if let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED {
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    var pages = [UInt8](repeating: 0, count: (size + pageSize - 1) / pageSize)
    if mincore(map, size, &pages) == 0 { resident = pages.reduce(0) { $0 + Int($1 & 1) } }
    munmap(map, size)
  }
  readThrough(fd)
  return resident == 0
}

/// Reads a file once from start to end (into the page cache, if it was not there).
func readThrough(_ path: String) {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return }
  defer { close(fd) }
  readThrough(fd)
}

private func readThrough(_ fd: Int32) {
  var buffer = [UInt8](repeating: 0, count: 1 << 20)
  while read(fd, &buffer, buffer.count) > 0 {}
}

/// Runs a shell command and returns its stdout.
func shell(_ command: String) -> String {
  guard let f = popen(command, "r") else { return "" }
  defer { pclose(f) }
  var out: [UInt8] = []
  var buf = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = fread(&buf, 1, buf.count, f)
    if n <= 0 { break }
    out += buf[0..<n]
  }
  return String(decoding: out, as: UTF8.self)
}

func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.isEmpty ? 0 : s[s.count / 2]
}

/// This process's CPU seconds so far.
func selfCPU() -> Double {
  var u = rusage()
  getrusage(RUSAGE_SELF.rawValue, &u)
  return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(
    u.ru_stime.tv_usec) / 1e6
}

/// This process's peak resident set, in bytes.
func selfMaxRSS() -> Int {
  var u = rusage()
  getrusage(RUSAGE_SELF.rawValue, &u)
  return Int(u.ru_maxrss) * 1024
}

/// Current resident set, in bytes (from /proc/self/statm).
func currentRSS() -> Int {
  let text = shell("cat /proc/\(getpid())/statm")
  let parts = text.split(separator: " ")
  return parts.count > 1 ? (Int(parts[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

func fmt(_ v: Double, _ d: Int = 1) -> String { NumberText.fixed(v, d) }
func mb(_ bytes: Int) -> String { fmt(Double(bytes) / 1e6, 1) + " MB" }

func line(_ s: String) {
  print(s)
  fflush(nil)
}

/// Paths the benchmarks use.
enum Paths {
  static let bench: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Benchmarks" { parts.removeLast() }
    return parts.joined(separator: "/")
  }()
  static let repo = bench + "/.."
  static let shared = repo + "/../shared"
  static let work = getenv("ZONETOP_BENCH_DIR").map { String(cString: $0) } ?? "/tmp/zonetop-bench"
  static let zonetop = repo + "/.build/release/zonetop"
}

/// Starts nginx (one worker, its own prefix under `root`) serving `root` on 127.0.0.1:`port`;
/// returns its master's pid (stop it with SIGTERM, so its worker stops too).
func startNginx(root: String, port: Int) -> Int32 {
  let conf =
    "worker_processes 1; pid \(root)/nginx.pid; error_log \(root)/logs/error.log; events { worker_connections 4096; }\n"
    + "http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; types { text/plain prom; }\n"
    + "  server { listen 127.0.0.1:\(port) backlog=4096; root \(root); } }\n"
  try? Files.writeAtomically(Array(conf.utf8), to: root + "/nginx.conf")
  return Int32(
    shell("nginx -p \(root) -c \(root)/nginx.conf -g 'daemon off;' > /dev/null 2>&1 & echo $!").trimmingCharacters())
    ?? 0
}
