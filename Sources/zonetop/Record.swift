import ArgumentParser
import Glibc
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// `zonetop record URL... --out FILE`: headless recording.
struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Poll ztunnels and append every scrape to a recording, without the TUI.",
    discussion:
      "Stops after --duration, or on Ctrl-C / SIGTERM. Each scrape is one frame written with one write; see the README for the format."
  )

  @Argument(help: "ztunnel metrics URLs.")
  var urls: [String] = []

  @Option(name: .shortAndLong, help: "The recording to append to (created if missing).")
  var out: String

  @Option(help: "Stop after this long (default: until interrupted).")
  var duration: DurationOption?

  @OptionGroup var http: HTTPFlags
  @OptionGroup var kube: KubeFlags

  func run() throws {
    let targets = try http.targets(urls)
    guard !targets.isEmpty || kube.kube else {
      throw ValidationError("give at least one URL (or --targets-file, or --kube)")
    }
    guard targets.isEmpty || !kube.kube else { throw ValidationError("give either URLs or --kube, not both") }
    try checkRecordingPath(out, option: "--out")
    let writer: RecordingWriter
    do { writer = try RecordingWriter(path: out) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    let source = try http.liveSource(targets: targets, kube: kube, recordTo: writer, keepsHistory: false)
    TerminationSignals.install()
    source.start()
    defer { source.stop() }
    let deadline = duration.map { WallClock.monotonic() + Double($0.ms) / 1000 }
    var failuresReported: [String: Int] = [:]
    var discoveryError: String?
    var rounds = 0
    var last = SourceUpdate()
    while !TerminationSignals.wasReceived {
      if let deadline, WallClock.monotonic() >= deadline { break }
      usleep(50_000)
      for update in source.takeUpdates(realSeconds: 0.05) {
        rounds += update.rounds.count
        last = update
        for h in update.health where !h.up && h.failures > failuresReported[h.target, default: 0] {
          printError("zonetop: \(Sanitize.visible(h.target)): \(h.lastError ?? "down")")
        }
        for h in update.health { failuresReported[h.target] = h.failures }
        if let e = update.discovery?.error, e != discoveryError { printError("zonetop: kube: \(e)") }
        discoveryError = update.discovery?.error
        if let e = update.problems.first {
          printError("zonetop: cannot write the recording: \(e)")
          throw ExitCode(1)
        }
      }
    }
    let up = last.health.filter(\.up).count
    printError(
      "zonetop: recorded \(plural(rounds, "round")) of \(plural(last.targetCount, "target")) (\(up) up at the end) to \(out)"
    )
    // A recording of failures only is no data: say so with the status scripts check.
    if !last.health.contains(where: { $0.scrapes > 0 }) {
      let why = last.health.first?.lastError.map { ": \(Sanitize.short($0, limit: 120))" } ?? ""
      printError("zonetop: no data: none of the \(last.targetCount) targets produced metrics\(why)")
      throw ExitCode(3)
    }
  }
}
