import ArgumentParser
import ZoneTopFiles
import ZoneTopTraffic

extension DiffGroup: ExpressibleByArgument {}

extension TimeSpec: ExpressibleByArgument {
  public init?(argument: String) { self.init(argument) }
}

/// `zonetop diff BEFORE AFTER`: whether a change cut cross-zone and cross-region cost.
struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare the traffic and cost of two windows: before and after a change.",
    discussion: """
      Each side is a recording, a scrape directory, an exposition file or a `snapshot --format json` file. \
      With one recording and two --from/--to pairs, both sides are windows of it; with two sources, the \
      first --from/--to goes with BEFORE and the second with AFTER. Times are RFC 3339, start or \
      start+D (after a source's first scrape), end or end-D (before its last): --from start --to start+5m. Rates are compared (bytes per second), so \
      windows of different lengths compare. Rows are sorted by the size of their USD/month change. \
      Exit 1 when --fail-above or --fail-if-increase is crossed, 3 when a side holds no data. Costs are \
      estimates.
      """
  )

  @Argument(help: "BEFORE and AFTER (or one recording with two --from/--to windows).")
  var sources: [String]

  @Option(help: "Start of a side's window (repeat: BEFORE's, then AFTER's).")
  var from: [TimeSpec] = []

  @Option(help: "End of a side's window (repeat: BEFORE's, then AFTER's).")
  var to: [TimeSpec] = []

  @Option(help: "Compare per zone, region, cluster, service, workload or namespace (pairs are directional).")
  var groupBy: DiffGroup = .zone

  @Option(help: "Output format: table, csv or json.")
  var format: Format = .table

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
  }

  @Option(name: .shortAndLong, help: "Write to this file instead of standard output; - for stdout.")
  var output: String?

  @Option(help: "Exit 1 when AFTER's cross-zone plus cross-region cost is above this many USD per month.")
  var failAbove: Double?

  @Option(help: "Exit 1 when AFTER's cross-zone plus cross-region cost is more than this many percent above BEFORE's.")
  var failIfIncrease: Double?

  @Option(help: "Worker threads for recordings and directories.")
  var threads: Int = 2

  @OptionGroup var shared: SharedOptions

  func validate() throws {
    guard sources.count == 1 || sources.count == 2 else {
      throw ValidationError("give BEFORE and AFTER, or one recording with two --from/--to windows")
    }
    if sources.count == 1 && (from.count < 2 && to.count < 2) {
      throw ValidationError("with one source, give two windows: --from T1 --to T2 --from T3 --to T4")
    }
    if from.count > 2 || to.count > 2 { throw ValidationError("--from and --to go at most twice (BEFORE, AFTER)") }
    if let failAbove, !(failAbove.isFinite && failAbove >= 0) {
      throw ValidationError("--fail-above must be a number of USD per month, 0 or more")
    }
    if let failIfIncrease, !failIfIncrease.isFinite {
      throw ValidationError("--fail-if-increase must be a percentage")
    }
    if !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
  }

  func run() throws {
    let options = try shared.reportOptions()
    var problems: [String] = []
    var sides: [DiffSide] = []
    for i in 0..<2 {
      let path = sources[min(i, sources.count - 1)]
      do {
        sides.append(
          try DiffInput.side(
            path: path, from: from.indices.contains(i) ? from[i] : nil, to: to.indices.contains(i) ? to[i] : nil,
            group: groupBy, options: options, threads: threads, problems: &problems))
      } catch {
        printProblems(problems)
        printError("zonetop: \(i == 0 ? "before" : "after"): \(error)")
        throw ExitCode(error.noData ? 3 : 1)
      }
    }
    printProblems(problems)
    let diff = TrafficDiff(before: sides[0], after: sides[1], group: groupBy)
    let text: String
    switch format {
    case .table: text = diff.table()
    case .csv: text = diff.csv()
    case .json: text = diff.json()
    }
    try emit(text, to: output)
    if let reason = Self.gate(diff, failAbove: failAbove, failIfIncrease: failIfIncrease) {
      printError("zonetop: \(reason)")
      throw ExitCode(1)
    }
  }

  /// Why a crossing cost per month is over `--fail-above`, or nil.
  static func aboveLimit(_ costPerMonth: Double, failAbove: Double?) -> String? {
    guard let failAbove, costPerMonth > failAbove else { return nil }
    return "cross-zone and cross-region cost \(NumberText.usd(costPerMonth))/month is above --fail-above "
      + NumberText.usd(failAbove)
  }

  /// Why a pipeline should stop, or nil: the after side's crossing cost over a limit, or up
  /// by more than a percentage.
  static func gate(_ diff: TrafficDiff, failAbove: Double?, failIfIncrease: Double?) -> String? {
    let after = diff.after.crossCostPerMonth
    if let reason = aboveLimit(after, failAbove: failAbove) { return reason }
    if let failIfIncrease, let change = diff.crossCostChangePercent, change > failIfIncrease {
      return "cross-zone and cross-region cost rose \(NumberText.fixed(change, 1))% "
        + "(\(NumberText.usd(diff.before.crossCostPerMonth)) to \(NumberText.usd(after))/month), "
        + "more than --fail-if-increase \(NumberText.fixed(failIfIncrease, 1))%"
    }
    return nil
  }
}
