import ArgumentParser
import ZoneTopCore

/// The `zonetop` command: the live TUI, and its subcommands.
struct ZoneTop: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "zonetop",
    abstract: "Live cross-zone and cross-region traffic and cost for Istio ambient meshes.",
    discussion: """
      With no source, zonetop replays its bundled demo recording. Give ztunnel metrics URLs \
      (http://NODE:15020/metrics) to poll them live, or --prometheus URL to ask a Prometheus-compatible server.
      """,
    subcommands: [SnapshotCommand.self, Validate.self]
  )

  func run() throws {
    print("zonetop: the TUI is not built yet; try `zonetop validate`.")
  }
}
