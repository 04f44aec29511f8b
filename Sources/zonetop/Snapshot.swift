import ArgumentParser
import ZoneTopCore

/// `zonetop snapshot SOURCE`: aggregate recorded scrapes and print or write the result.
struct SnapshotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Aggregate a recording, scrape directory or exposition file into a table, CSV or JSON.",
    discussion: """
      SOURCE is a zonetop recording (.ztrec, optionally gzip-compressed), a scrape directory \
      (DIR/TARGET/EPOCH_MS.prom[.gz]) or a single exposition file (one scrape: totals, no rates). \
      Files are written atomically. Costs are estimates.
      """
  )

  @Argument(help: "A recording, a scrape directory or an exposition file.")
  var source: String

  @Option(help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of standard output; - for stdout.")
  var output: String?

  @Option(help: "Group by zone, region or workload.")
  var groupBy: GroupBy = .zone

  @Option(help: "Only the last part of the source, e.g. 5m.")
  var window: DurationOption?

  @OptionGroup var shared: SharedOptions

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
  }

  func run() throws {
    let options = try shared.reportOptions()
    let offline: OfflineSource
    do { offline = try OfflineSource(path: source) } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    var problems: [String] = []
    let report = Snapshot.report(source: offline, windowMs: window?.ms, options: options, problems: &problems)
    for p in problems { printError("zonetop: \(p)") }
    let text: String
    switch format {
    case .table: text = ReportExport.table(report, groupBy: groupBy)
    case .csv: text = ReportExport.csv(report, groupBy: groupBy)
    case .json: text = ReportExport.json(report, groupBy: groupBy)
    }
    try emit(text, to: output)
  }
}

/// Writes to stdout, or atomically to a file.
func emit(_ text: String, to output: String?) throws {
  if let output, output != "-" {
    do { try Files.writeAtomically(Array(text.utf8), to: output) } catch {
      printError("zonetop: cannot write \(error)")
      throw ExitCode(1)
    }
    return
  }
  writeStdout(text)
}
