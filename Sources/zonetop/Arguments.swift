import ArgumentParser
import Foundation

/// Command-line fixes made before swift-argument-parser sees the arguments.
enum Arguments {
  /// Options that take a value which may be written as a negative number.
  static let numeric: Set<String> = [
    "--interval", "--timeout", "--window", "--speed", "--threads", "--frame", "--max-body-size",
    "--max-series-per-target", "--step", "--kube-relist", "--duration", "--fail-above", "--fail-if-increase",
    "--query-timeout", "--evaluation-interval", "--rate-range",
  ]

  /// `--interval -5s` as `--interval=-5s`, so the option's own check answers ("-5s is not a
  /// duration") instead of the parser taking `-5s` for a flag and reporting a missing value.
  static func joiningNegativeValues(_ args: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < args.count {
      let a = args[i]
      if a == "--" {
        out += args[i...]
        break
      }
      if numeric.contains(a), i + 1 < args.count, isNegativeNumber(args[i + 1]) {
        out.append(a + "=" + args[i + 1])
        i += 2
        continue
      }
      out.append(a)
      i += 1
    }
    return out
  }

  static func isNegativeNumber(_ s: String) -> Bool {
    guard s.count > 1, s.first == "-", let second = s.dropFirst().first else { return false }
    return second.isNumber || second == "." || s.dropFirst().lowercased().hasPrefix("inf")
  }

  /// Whether the arguments ask for the top-level help (`zonetop --help`, `-h`, `help`).
  static func asksForTopLevelHelp(_ args: [String]) -> Bool {
    args == ["--help"] || args == ["-h"] || args == ["help"]
  }

  /// The top-level help followed by the options of `live`, the default command, which
  /// `zonetop URL...` runs.
  static func topLevelHelp() -> String {
    let root = ZoneTop.helpMessage()
    let live = ZoneTop.helpMessage(for: LiveCommand.self)
    guard let options = live.range(of: "OPTIONS:") else { return root }
    return root + "\n\nLIVE OPTIONS (zonetop [live] [URL ...], the default command):"
      + live[options.upperBound...]
  }

  /// Options `snapshot` accepts (they are shared with `live` and `record`) but that change nothing
  /// there: it polls URLs only at the start and end of its window, and lists pods once.
  static let meaninglessInSnapshot = ["--interval", "--kube-relist"]

  /// Whether the arguments ask for `snapshot`'s help.
  static func asksForSnapshotHelp(_ args: [String]) -> Bool {
    args == ["help", "snapshot"] || (args.first == "snapshot" && (args.contains("--help") || args.contains("-h")))
  }

  /// `snapshot`'s help without the options that mean nothing there.
  static func snapshotHelp() -> String {
    var out: [Substring] = []
    var skipping = false
    for line in ZoneTop.helpMessage(for: SnapshotCommand.self).split(separator: "\n", omittingEmptySubsequences: false)
    {
      if meaninglessInSnapshot.contains(where: { line.hasPrefix("  \($0) ") }) {
        skipping = true
        continue
      }
      // An entry's continuation lines are indented further than its first.
      if skipping && line.hasPrefix("    ") { continue }
      skipping = false
      out.append(line)
    }
    return out.joined(separator: "\n")
  }

  /// An error from a subcommand's `run()` with that subcommand's usage, not the root's.
  static func message(for error: Error, in command: ParsableCommand.Type) -> String {
    let name = command.configuration.commandName ?? ""
    return "Error: \(ZoneTop.message(for: error))\nUsage: \(ZoneTop.usageString(for: command))\n"
      + "  See 'zonetop \(name) --help' for more information."
  }
}
