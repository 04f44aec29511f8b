import ArgumentParser
import ZoneTopCore
import ZoneTopHTTP
import ZoneTopTerminal

#if canImport(Glibc)
import Glibc
#endif

/// `zonetop record URL... --out FILE`: headless recording.
struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Poll ztunnels and append every scrape to a recording, without the TUI.",
    discussion: "Stops after --duration, or on Ctrl-C / SIGTERM. Each scrape is one frame written with one write; see the README for the format."
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
    guard !targets.isEmpty || kube.kube else { throw ValidationError("give at least one URL (or --targets-file, or --kube)") }
    guard targets.isEmpty || !kube.kube else { throw ValidationError("give either URLs or --kube, not both") }
    let writer: RecordingWriter
    do { writer = try RecordingWriter(path: out) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    let feed = try http.liveFeed(targets: targets, kube: kube, recordTo: writer)
    TerminationSignals.install()
    feed.start()
    let deadline = duration.map { WallClock.monotonic() + Double($0.ms) / 1000 }
    var reported = 0
    var discoveryError: String?
    while TerminationSignals.received == 0 {
      if let deadline, WallClock.monotonic() >= deadline { break }
      usleep(50_000)
      if feed.tick(realSeconds: 0.05) {
        for h in feed.targetHealth where !h.up {
          if h.failures > reported { printError("zonetop: \(Sanitize.visible(h.target)): \(h.lastError ?? "down")") }
        }
        reported = feed.targetHealth.map(\.failures).max() ?? 0
        if let e = feed.discovery?.error, e != discoveryError { printError("zonetop: kube: \(e)") }
        discoveryError = feed.discovery?.error
        if let e = feed.recordingError {
          printError("zonetop: cannot write the recording: \(e)")
          throw ExitCode(1)
        }
      }
    }
    feed.stop()
    let up = feed.targetHealth.filter(\.up).count
    printError("zonetop: recorded \(feed.rounds) rounds of \(feed.targetCount) targets (\(up) up at the end) to \(out)")
  }
}
