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

/// `zonetop extract RECORDING`: get the raw exposition back out of a recording.
struct ExtractCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extract",
    abstract: "List a recording's frames, print one frame's exposition text, or write them all as a scrape directory."
  )

  @Argument(help: "A zonetop recording (.ztrec, optionally gzip-compressed).")
  var recording: String

  @Option(help: "Print the body of frame N (0-based, as `extract` lists them: in time order) to stdout, byte for byte.")
  var frame: Int?

  @Option(help: "Write every successful frame as DIR/TARGET/EPOCH_MS.prom (a scrape directory).")
  var toDirectory: String?

  func run() throws {
    let source: OfflineSource
    do { source = try OfflineSource(path: recording) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    printProblems(source.problems)
    if let n = frame {
      guard n >= 0 && n < source.entries.count else {
        printError("zonetop: frame \(n) does not exist (the recording has \(source.entries.count))")
        throw ExitCode(1)
      }
      // The bytes as recorded: a String would replace invalid UTF-8 with U+FFFD.
      try source.withBody(source.entries[n]) { body in
        if !Files.writeAll(1, body) { Glibc.exit(errno == EPIPE ? 0 : 1) }
      }
      return
    }
    if let dir = toDirectory {
      _ = mkdir(dir, 0o755)
      var written = 0
      for e in source.entries where e.isSuccess {
        let name = TargetName.short(e.target).map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let sub = dir + "/" + String(name)
        _ = mkdir(sub, 0o755)
        try Files.writeAtomically(try source.body(of: e), to: "\(sub)/\(e.timeMs).prom")
        written += 1
      }
      printError("zonetop: wrote \(written) scrapes to \(dir)")
      return
    }
    for (i, e) in source.entries.enumerated() {
      writeStdout(
        "\(i)\t\(RFC3339.format(ms: e.timeMs))\t\(e.status)\t\(Sanitize.visible(e.target))\t\(e.error.map(Sanitize.visible) ?? "")\n"
      )
    }
  }
}
