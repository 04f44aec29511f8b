import Foundation
import ZoneTopExposition
import ZoneTopTraffic

/// Why a side of `zonetop diff` could not be read; `noData` when it holds no traffic.
public struct DiffInputError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public let noData: Bool
  init(_ description: String, noData: Bool = false) {
    self.description = description
    self.noData = noData
  }
}

/// A time given to `--from`/`--to`: RFC 3339; `start`, `start+D` or `+D` after the source's
/// first scrape; `end`, `end-D` or `-D` before its last (`-D` needs `--to=-D`: a bare `-5m`
/// reads as an option).
public enum TimeSpec: Sendable, Equatable {
  case absolute(Int64)
  case afterStart(Int64)
  case beforeEnd(Int64)

  public init?(_ text: String) {
    func duration(_ rest: Substring) -> Int64? { rest.isEmpty ? 0 : DurationText.parseMs(String(rest)) }
    if text == "start" || text == "end" {
      self = text == "start" ? .afterStart(0) : .beforeEnd(0)
    } else if let rest = ["start+", "+"].lazy.compactMap({ text.hasPrefix($0) ? text.dropFirst($0.count) : nil }).first,
      let ms = duration(rest)
    {
      self = .afterStart(ms)
    } else if let rest = ["end-", "-"].lazy.compactMap({ text.hasPrefix($0) ? text.dropFirst($0.count) : nil }).first,
      let ms = duration(rest)
    {
      self = .beforeEnd(ms)
    } else if let ms = RFC3339.parse(text) {
      self = .absolute(ms)
    } else {
      return nil
    }
  }

  /// The time in milliseconds for a source whose scrapes span `first` to `last`.
  public func resolve(first: Int64, last: Int64) -> Int64 {
    switch self {
    case .absolute(let ms): ms
    case .afterStart(let ms): first.addingReportingOverflow(ms).overflow ? .max : first + ms
    case .beforeEnd(let ms): last.subtractingReportingOverflow(ms).overflow ? .min : last - ms
    }
  }
}

/// Reads one side of `zonetop diff`.
///
/// A side is a recording, a scrape directory or an exposition file (optionally only
/// `from`...`to` of it), or a `snapshot --format json` file.
public enum DiffInput {
  public static func side(
    path: String, from: TimeSpec?, to: TimeSpec?, group: DiffGroup, options: ReportOptions, threads: Int,
    problems: inout [String]
  ) throws(DiffInputError) -> DiffSide {
    if path.hasSuffix(".json") {
      guard from == nil && to == nil else {
        throw DiffInputError("\(path): --from and --to take a window of a recording or directory, not of a snapshot")
      }
      return try jsonSide(path: path, group: group)
    }
    let source: OfflineSource
    do { source = try OfflineSource(path: path) } catch { throw DiffInputError("\(error)") }
    guard let first = source.entries.first?.timeMs, let last = source.entries.last?.timeMs else {
      throw DiffInputError("no data: \(path) holds no scrapes", noData: true)
    }
    let report: TrafficReport
    if from != nil || to != nil {
      // Every round kept, then the ones between the two times taken.
      let run = OfflineAggregation.run(source: source, windowMs: .max / 4, problems: &problems, threads: threads)
      let fromMs = from?.resolve(first: first, last: last) ?? first
      let toMs = to?.resolve(first: first, last: last) ?? last
      guard fromMs < toMs else {
        throw DiffInputError(
          "\(path): --from \(RFC3339.format(ms: fromMs)) is not before --to \(RFC3339.format(ms: toMs))")
      }
      report = run.history.report(fromMs: fromMs, toMs: toMs, options: options)
      guard report.windowSeconds > 0 else {
        throw DiffInputError(
          "no data: \(path) has no two scrapes between \(RFC3339.format(ms: fromMs)) and \(RFC3339.format(ms: toMs)) "
            + "(its scrapes span \(RFC3339.format(ms: first)) to \(RFC3339.format(ms: last)))", noData: true)
      }
    } else {
      report = OfflineAggregation.report(
        source: source, windowMs: nil, options: options, problems: &problems, threads: threads)
    }
    guard report.windowSeconds > 0 else {
      throw DiffInputError("no data: \(path) covers no time (one scrape: a diff compares rates)", noData: true)
    }
    return DiffSide(label: path, report: report, group: group)
  }

  /// A side from `snapshot --format json`: its rows' rates and monthly costs as printed.
  static func jsonSide(path: String, group: DiffGroup) throws(DiffInputError) -> DiffSide {
    let bytes: [UInt8]
    do { bytes = try Files.read(path) } catch { throw DiffInputError("\(error)") }
    guard let doc = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
      let rows = doc["rows"] as? [[String: Any]], let made = doc["group_by"] as? String
    else { throw DiffInputError("\(path): not a `zonetop snapshot --format json` document") }
    // Services and namespaces are sums of workload rows.
    let needs: String
    switch group {
    case .service, .namespace, .workload: needs = "workload"
    default: needs = group.rawValue
    }
    guard made == needs else {
      throw DiffInputError(
        "\(path) was made with --group-by \(Sanitize.short(made)); diff --group-by \(group.rawValue) needs a snapshot "
          + "made with --group-by \(needs)")
    }
    func time(_ field: String) -> Int64? { (doc[field] as? String).flatMap(RFC3339.parse) }
    guard let start = time("window_start"), let end = time("window_end"), end > start else {
      throw DiffInputError("no data: \(path) covers no time (no window_start before window_end)", noData: true)
    }
    var side = DiffSide(label: path, windowStartMs: start, windowEndMs: end)
    func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? 0 }
    for row in rows {
      let key = group.keyColumns.map { (row[$0] as? String) ?? "unknown" }
      let old = side.rows[key] ?? (0, 0)
      side.rows[key] = (
        old.bytesPerSecond + number(row["bytes_per_second"]), old.costPerMonth + number(row["cost_usd_per_month"])
      )
    }
    let seconds = side.windowSeconds
    let scopes = doc["bytes_by_scope"] as? [String: Any] ?? [:]
    side.crossZoneBytesPerSecond = number(scopes["cross-zone"]) / seconds
    side.crossRegionBytesPerSecond = number(scopes["cross-region"]) / seconds
    side.crossCostPerMonth =
      number(doc["total_cost_usd_per_month"])
      - PricingProfile.perMonth(number(doc["internet_egress_cost_usd"]), overSeconds: seconds)
    return side
  }
}
