import Glibc

// zonetop benchmarks: figures are printed, never asserted (see the README).
// Usage: zonetop-bench [parser] [snapshot] [poll] [poll-record] [memory] [render] [refresh] [idle] [soak] [churn]
//   [churn-before] [prometheus] [replay-tui] [--small]
let args = Set(CommandLine.arguments.dropFirst())
let all = args.subtracting(["--small"]).isEmpty
let small = args.contains("--small")
line("zonetop benchmarks on \(shell("nproc").trimmingCharacters()) cores, \(shell("uname -m").trimmingCharacters())")
if all || args.contains("parser") { parserBench(runs: 7) }
if all || args.contains("render") { renderBench(frames: 2000) }
if all || args.contains("refresh") { refreshBench(hops: small ? 5000 : 50_000, rounds: small ? 70 : 120) }
if all || args.contains("replay-tui") { replayTUIBench(rounds: small ? 12 : 40) }
if all || args.contains("poll") { pollBench(sizes: small ? [20, 50] : [50, 200, 500, 1000], series: 2000, rounds: 4) }
if all || args.contains("poll-record") {
  pollBench(sizes: small ? [20, 50] : [200, 1000], series: 2000, rounds: 4, record: true)
}
if all || args.contains("memory") { memoryBench() }
if all || args.contains("snapshot") { snapshotBench(targets: small ? 10 : 100, scrapes: small ? 20 : 60, series: 2000) }
if all || args.contains("idle") { idleBench(seconds: small ? 10 : 30) }
if all || args.contains("soak") { soakBench(hours: small ? 1 : 24) }
if all || args.contains("churn") {
  churnSoak(perScrape: small ? 2000 : 20_000, minutes: small ? 8 : 10, keepRounds: 60, forget: true)
}
if all || args.contains("prometheus") {
  prometheusBench(targets: small ? 50 : 200, series: 2000, runs: 3, warmup: small ? 90 : 100)
}
if args.contains("churn-before") {
  churnSoak(perScrape: small ? 2000 : 20_000, minutes: small ? 8 : 10, keepRounds: 60, forget: false)
}
