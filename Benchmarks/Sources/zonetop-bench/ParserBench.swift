import CMallocCount
import Glibc
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// `zonetop validate` on the 50,000-series ztunnel file, beside VictoriaMetrics' and
/// Prometheus' parsers measured in the same run.
func parserBench(runs: Int) {
  line("== parser: 50,000-series ztunnel scrape (gen_ztunnel.py --series 50000 --seed 1)")
  guard Files.isDirectory(Paths.shared + "/peers") else {
    line("skipped: ../shared/peers is absent (it holds the generator and the peer parsers)")
    return
  }
  _ = mkdir(Paths.work, 0o755)
  let om = Paths.work + "/zt50k.om.txt"
  let prom = Paths.work + "/zt50k.prom.txt"
  if !Files.exists(om) {
    _ = shell("python3 \(Paths.shared)/peers/gen_ztunnel.py --series 50000 --seed 1 --format om -o \(om) 2>&1")
  }
  if !Files.exists(prom) {
    _ = shell("python3 \(Paths.shared)/peers/gen_ztunnel.py --series 50000 --seed 1 --format prom -o \(prom) 2>&1")
  }
  // The same page-cache state on every run (see `cacheAfresh`); the peers read the file
  // into memory before timing, so theirs does not matter.
  if !cacheAfresh(om) {
    line("note: \(om) could not be dropped from the page cache; its read figure below is the cache's as it was")
  }
  guard let file = try? MappedFile(path: om) else { return line("cannot read \(om)") }
  let size = file.bytes.count

  // In-process: the parse loop alone, strict (validate) and lenient (live data).
  var strictMBps = 0.0
  for mode in [ParseMode.strict, .lenient] {
    var times: [Double] = []
    var samples = 0
    var allocations = 0.0
    for r in 0..<runs {
      let parser = ExpositionParser(format: .openMetrics, mode: mode)
      var sink = CountingSink()
      let a0 = zt_malloc_count()
      let t0 = WallClock.monotonic()
      let summary = parser.parse(file.bytes, into: &sink)
      times.append(WallClock.monotonic() - t0)
      if r == 0 { allocations = Double(zt_malloc_count() - a0) / Double(max(1, summary.samples)) }
      samples = summary.samples
    }
    let t = median(times)
    if mode == .strict { strictMBps = Double(size) / t / 1e6 }
    line(
      "zonetop in-process \(mode == .strict ? "strict " : "lenient"): \(fmt(Double(size) / t / 1e6, 0)) MB/s, \(fmt(Double(samples) / t, 0)) samples/s, \(fmt(allocations, 3)) allocations/sample (median of \(runs))"
    )
  }

  // Whole process: `zonetop validate`, as a user runs it.
  var costs: [ProcessCost] = []
  for _ in 0..<runs { costs.append(measure([Paths.zonetop, "validate", "-q", om])) }
  let wall = median(costs.map(\.wall))
  let cpu = median(costs.map(\.cpu))
  // Peak RSS through a small parent: a spawned child's ru_maxrss starts from its
  // parent's high-water mark, and this process has the file mapped.
  let rss = peakRSSThroughPython([Paths.zonetop, "validate", "-q", om])
  line(
    "zonetop validate (whole process): \(fmt(Double(size) / wall / 1e6, 0)) MB/s wall (\(fmt(wall * 1000, 1)) ms), \(fmt(cpu * 1000, 1)) ms CPU, peak RSS \(mb(rss)) for a \(mb(size)) file (\(fmt(Double(rss) / Double(size), 2))x)"
  )
  // What that figure holds besides parsing: starting and ending the process, and
  // reading the file out of the page cache.
  let empty = Paths.work + "/empty.om"
  _ = shell("printf '# EOF\\n' > \(empty)")
  let start = median((0..<runs * 3).map { _ in measure([Paths.zonetop, "validate", "-q", empty]).wall })
  let cat = median((0..<runs * 3).map { _ in measure(["cat", om]).wall })
  line(
    "  for scale: start and exit (validate on an empty file) \(fmt(start * 1000, 1)) ms; reading the file alone (cat to /dev/null, the file read afresh into the page cache) \(fmt(cat * 1000, 1)) ms"
  )

  // Peers, same machine, same run.
  line("peers (../shared/peers/peer_go.sh, in-process loops):")
  let peers = shell("bash \(Paths.shared)/peers/peer_go.sh \(om) \(prom) \(runs) 2>/dev/null")
  var vm = 0.0
  for l in peers.split(separator: "\n") {
    line("  " + l)
    if l.hasPrefix("peer=go-vm "), let f = l.split(separator: " ").first(where: { $0.hasPrefix("MB/s=") }) {
      vm = Double(f.dropFirst(5)) ?? 0
    }
  }
  if vm > 0 {
    let whole = Double(size) / wall / 1e6
    line("ratio zonetop validate (whole process) / VictoriaMetrics (in-process loop): \(fmt(whole / vm, 2))x")
    line(
      "ratio zonetop strict parse (in-process loop) / VictoriaMetrics (in-process loop): \(fmt(strictMBps / vm, 2))x")
  }
}
