import FuzzSupport
import ZoneTopCore

/// Both formats in both modes, then the counter engine and every export over what it counted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let body = UnsafeRawBufferPointer(start: data, count: size)
  for format in ExpositionFormat.allCases {
    for mode in [ParseMode.strict, .lenient] {
      var sink = CountingSink()
      let summary = ExpositionParser(format: format, mode: mode).parse(body, into: &sink)
      precondition(summary.invalidLines <= summary.lines && summary.samples + summary.invalidLines <= summary.lines)
    }
  }
  let history = TrafficHistory()
  history.ingest(target: "t", timeMs: 0, status: 200, error: nil, contentType: nil, body: body)
  history.closeRound(atMs: 0)
  history.ingest(target: "t", timeMs: 5000, status: 200, error: nil, contentType: nil, body: body)
  history.closeRound(atMs: 5000)
  let report = history.report(windowMs: 60_000, options: ReportOptions())
  for g in GroupBy.allCases {
    _ = ReportExport.csv(report, groupBy: g)
    _ = ReportExport.json(report, groupBy: g)
    _ = ReportExport.table(report, groupBy: g)
  }
  var state = AppState(sourceLabel: "fuzz", isDemo: false, isReplay: false)
  state.report = report
  for v in View.allCases {
    state.view = v
    let (b, _) = Renderer.render(state, width: 80, height: 24)
    precondition(!b.cells.contains { $0.scalar.value < 0x20 })
  }
  return 0
}

@_cdecl("fuzz_parser_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
