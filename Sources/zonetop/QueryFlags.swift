import ArgumentParser
import ZoneTopHTTP
import ZoneTopTraffic

/// Options of the Prometheus API path (`--prometheus`).
struct QueryFlags: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "With --prometheus: how long one API query may take.",
      discussion: "An engine over a large mesh needs far longer than a scrape's --timeout; 1s to 1h."))
  var queryTimeout = DurationOption(ms: 60_000)

  @Option(
    help: ArgumentHelp(
      "With --prometheus: which series to query: auto, raw, or recorded (by the rules of zonetop rules).",
      discussion: "auto uses the recorded series where they cover the window, else the raw ones."))
  var series: SeriesChoice = .auto

  enum SeriesChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, raw, recorded
  }

  /// The series `--series` forces, nil for auto.
  var forcedKind: PrometheusClient.SeriesKind? {
    switch series {
    case .auto: nil
    case .raw: .raw
    case .recorded: .recorded
    }
  }

  /// The range `--query-timeout` accepts.
  static let range: ClosedRange<Int64> = 1000...3_600_000

  func validate() throws {
    guard Self.range.contains(queryTimeout.ms) else {
      throw ValidationError(
        "--query-timeout \(DurationText.format(ms: queryTimeout.ms)): expected 1s to 1h (an engine's query takes seconds)"
      )
    }
  }

  /// The HTTP options for API queries: `base` (TLS, headers, token) with the query timeout.
  func apiOptions(_ base: HTTPOptions) -> HTTPOptions {
    var o = base
    o.timeoutMs = Int(queryTimeout.ms)
    return o
  }
}
