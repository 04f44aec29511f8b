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

  func validate() throws {
    if frame != nil && toDirectory != nil {
      throw ValidationError("give --frame N (one body to stdout) or --to-directory DIR (every frame), not both")
    }
  }

  func run() throws {
    let source: OfflineSource
    do { source = try OfflineSource(path: recording) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    printProblems(source.problems)
    guard source.kind == .recording else {
      printError(
        "zonetop: \(recording): not a recording (a \(source.kind == .file ? "single exposition file" : "scrape directory")); "
          + "extract reads .ztrec[.gz] files, and snapshot or replay read this")
      throw ExitCode(1)
    }
    if let n = frame {
      guard n >= 0 && n < source.entries.count else {
        printError("zonetop: frame \(n) does not exist (the recording has \(source.entries.count))")
        throw ExitCode(1)
      }
      let entry = source.entries[n]
      // A failed scrape has no body: say so, with its error, rather than print nothing and succeed.
      guard entry.isSuccess else {
        let why = entry.error ?? "HTTP \(entry.status)"
        printError(
          "zonetop: frame \(n) is a failed scrape of \(Sanitize.visible(entry.target)) (\(Sanitize.short(why)))")
        throw ExitCode(1)
      }
      // The bytes as recorded: a String would replace invalid UTF-8 with U+FFFD.
      try source.withBody(entry) { body in
        if !Files.writeAll(1, body) { Glibc.exit(errno == EPIPE ? 0 : 1) }
      }
      return
    }
    if let dir = toDirectory {
      _ = mkdir(dir, 0o755)
      var written = 0
      // One directory a target and one file a scrape, never shared: targets that shorten
      // to the same name, or two scrapes of a target at the same time, get a suffix.
      var directories: [String: String] = [:]
      var taken: Set<String> = []
      for e in source.entries where e.isSuccess {
        let sub: String
        if let known = directories[e.target] {
          sub = known
        } else {
          sub = dir + "/" + Self.unique(Self.directoryName(e.target), in: &taken)
          directories[e.target] = sub
          _ = mkdir(sub, 0o755)
        }
        let file = Self.unique("\(e.timeMs)", in: &taken, under: sub)
        try Files.writeAtomically(try source.body(of: e), to: "\(sub)/\(file).prom")
        written += 1
      }
      printError("zonetop: wrote \(written) scrapes to \(dir)")
      return
    }
    // Tab-separated, with a header; the ERROR column only on failed frames (no trailing tab).
    writeStdout("FRAME\tTIME\tSTATUS\tTARGET\tERROR\n")
    for (i, e) in source.entries.enumerated() {
      var line = "\(i)\t\(RFC3339.format(ms: e.timeMs))\t\(e.status)\t\(Sanitize.visible(e.target))"
      if let error = e.error, !e.isSuccess || !error.isEmpty { line += "\t" + Sanitize.visible(error) }
      writeStdout(line + "\n")
    }
  }

  /// A target's directory name: letters, digits, `.` and `-` of its short name, other
  /// characters `_`; never empty, `.` or `..`, and not hidden (a scrape directory's
  /// reader skips names starting with `.`), so it stays inside the output directory.
  static func directoryName(_ target: String) -> String {
    var name = String(
      TargetName.short(target).prefix(120).map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    if name.isEmpty || name.hasPrefix(".") { name = "_" + name }
    return name
  }

  /// A name not used yet: `name`, or `name-2`, `name-3` and so on.
  ///
  /// Names are kept in `taken` as `parent/name`; the one returned joins them.
  static func unique(_ name: String, in taken: inout Set<String>, under parent: String = "") -> String {
    var candidate = name
    var n = 1
    while taken.contains(parent + "/" + candidate) {
      n += 1
      candidate = "\(name)-\(n)"
    }
    taken.insert(parent + "/" + candidate)
    return candidate
  }
}
