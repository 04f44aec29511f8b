import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The window rule against a count made here from the recording's raw samples, and the
/// TUI against `snapshot` for the same window.
@Suite struct WindowRuleTests {
  /// Windows from one interval (5 s) to the whole recording, on and off the scrape times.
  static let windows: [Int64] = [
    5_000, 7_000, 10_000, 11_000, 30_000, 31_000, 60_000, 61_000, 300_000, 303_000, 3_600_000,
  ]

  /// Source-reported bytes of every series, per target, scrape by scrape (the demo, parsed once).
  static let scrapes: [String: [(timeMs: Int64, values: [String: UInt64])]] = {
    var out: [String: [(Int64, [String: UInt64])]] = [:]
    let source = Demo.recording
    for e in source.entries where e.isSuccess {
      guard let body = try? source.body(of: e) else { continue }
      var sink = BytesSink()
      _ = body.withUnsafeBytes { ExpositionParser(format: .openMetrics, mode: .lenient).parse($0, into: &sink) }
      out[e.target, default: []].append((e.timeMs, sink.values))
    }
    return out
  }()

  /// Collects `istio_tcp_{received,sent}_bytes_total` values of series not reported by the destination.
  struct BytesSink: SampleSink {
    var values: [String: UInt64] = [:]
    mutating func consume(_ s: SampleRef) {
      let name = String(decoding: s.name, as: UTF8.self)
      guard name == "istio_tcp_received_bytes_total" || name == "istio_tcp_sent_bytes_total" else { return }
      var labels: [String] = []
      for l in s.labels {
        let n = String(decoding: s.labelName(l), as: UTF8.self)
        let v = String(decoding: s.decodedValue(l), as: UTF8.self)
        if n == "reporter" && v == "destination" { return }
        labels.append(n + "=" + v)
      }
      values[name + "{" + labels.sorted().joined(separator: ",") + "}"] = UInt64(s.value)
    }
  }

  /// Bytes between consecutive scrapes of a target that both lie in [from, to]: the increase,
  /// the whole value after a reset, and the whole value of a series new since the previous scrape.
  static func independentCount(from: Int64, to: Int64) -> UInt64 {
    var total: UInt64 = 0
    for (_, list) in scrapes {
      for (a, b) in zip(list, list.dropFirst()) where a.timeMs >= from && b.timeMs <= to {
        for (series, v) in b.values {
          let before = a.values[series] ?? 0
          total += v >= before ? v - before : v
        }
      }
    }
    return total
  }

  @Test(arguments: windows)
  func aWindowCountsExactlyTheIncreasesInsideTheSpanItPrints(_ windowMs: Int64) throws {
    let report = try Demo.report(TestPaths.demoRecording, .source, window: windowMs)
    let counted = report.zonePairs.values.reduce(UInt64(0)) { $0 + $1.bytes }
    #expect(report.windowEndMs - report.windowStartMs <= max(windowMs, 5_500), "span within the window")
    #expect(counted > 0)
    #expect(
      counted == Self.independentCount(from: report.windowStartMs, to: report.windowEndMs),
      "window \(windowMs) ms printed as \(report.windowStartMs)...\(report.windowEndMs)")
  }

  @Test(arguments: [Int64(10_000), 31_000, 300_000])
  func theTUIAtTheEndOfTheReplayShowsWhatSnapshotPrints(_ windowMs: Int64) throws {
    let replay = ReplaySource(source: Demo.recording)
    replay.advance(toMs: replay.endMs)
    let screen = InMemoryScreen(width: 120, height: 40)
    let loop = TUILoop(
      source: replay, screen: screen, options: TUIOptions(report: ReportOptions(), windowMs: windowMs),
      monotonic: { 0 })
    loop.turn(timeoutMs: 0)
    let tui = try #require(loop.state.report)
    let snapshot = try Demo.report(TestPaths.demoRecording, .auto, window: windowMs)
    #expect(tui.windowStartMs == snapshot.windowStartMs && tui.windowEndMs == snapshot.windowEndMs)
    // Bytes and connections exactly; dollars up to the order of floating-point additions.
    let counts = { (r: TrafficReport) in r.zonePairs.mapValues { [$0.bytes, $0.connectionsOpened] } }
    #expect(counts(tui) == counts(snapshot))
    let (a, b) = (tui.perMonth(tui.totalCostUSD), snapshot.perMonth(snapshot.totalCostUSD))
    #expect(abs(a - b) <= 1e-9 * b)
    // The header prints the same monthly cost as the snapshot's table.
    let dollars = NumberText.usd(snapshot.perMonth(snapshot.totalCostUSD))
    #expect(screen.lines[1].contains(dollars), "\(screen.lines[1]) should show \(dollars)")
  }
}
