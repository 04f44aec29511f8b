import FuzzSupport
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Both formats in both modes, whole and in pieces (as `validate` reads files), then the
/// counter engine and every export over what it counted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let body = UnsafeRawBufferPointer(start: data, count: size)
  let pieceSize = size > 0 ? Int(data[0] % 61) + 1 : 1
  for format in ExpositionFormat.allCases {
    for mode in [ParseMode.strict, .lenient] {
      var sink = CountingSink()
      let summary = ExpositionParser(format: format, mode: mode).parse(body, into: &sink)
      precondition(summary.invalidLines <= summary.lines && summary.samples + summary.invalidLines <= summary.lines)
      let pieces = parseInPieces(body, pieceSize: pieceSize, format: format, mode: mode)
      precondition(
        pieces.issues == summary.issues && pieces.samples == summary.samples && pieces.lines == summary.lines)
    }
  }
  let engine = TrafficEngine()
  var history = TrafficHistory()
  for t in [Int64(0), 5000] {
    engine.ingest(target: "t", timeMs: t, body: body, contentType: nil)
    history.append(flows: Array(engine.flows.keys[history.flows.count...]))
    history.append(engine.takeRound(endMs: t))
  }
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

/// Feeds `body` to a parser through `FileStream.forEachPiece`, at most `pieceSize` bytes a read.
func parseInPieces(_ body: UnsafeRawBufferPointer, pieceSize: Int, format: ExpositionFormat, mode: ParseMode)
  -> ParseSummary
{
  let parser = ExpositionParser(format: format, mode: mode)
  var sink = CountingSink()
  parser.begin()
  var offset = 0
  // Reading memory cannot fail.
  try! FileStream.forEachPiece(
    bufferSize: 16,
    read: { into, room in
      let n = min(room, pieceSize, body.count - offset)
      if n > 0 { into.copyMemory(from: body.baseAddress! + offset, byteCount: n) }
      offset += n
      return n
    }, { piece, isLast in parser.feed(piece, isLast: isLast, into: &sink) })
  return parser.finish()
}

@_cdecl("fuzz_parser_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
