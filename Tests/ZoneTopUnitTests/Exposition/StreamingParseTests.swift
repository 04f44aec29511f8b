import Glibc
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// A body parsed in pieces (as `zonetop validate` reads files) gives exactly what the
/// whole body gives: the same samples, the same problems at the same places.
@Suite struct StreamingParseTests {
  /// The fixtures' invalid files, the demo's scrapes and a few hand-made edge cases.
  static var bodies: [(String, [UInt8])] {
    var out: [(String, [UInt8])] = []
    let invalid = TestPaths.fixtures + "/invalid"
    for name in ((try? Files.list(invalid)) ?? []) where name.hasSuffix(".prom") || name.hasSuffix(".om") {
      if let bytes = try? Files.read(invalid + "/" + name) { out.append((name, bytes)) }
    }
    let fuzz = TestPaths.fixtures + "/fuzz"
    for name in ((try? Files.list(fuzz)) ?? []).sorted() {
      if let bytes = try? Files.read(fuzz + "/" + name) { out.append((name, bytes)) }
    }
    if let node = ((try? Files.list(TestPaths.demoScrapes)) ?? []).sorted().first,
      let scrape = ((try? Files.list(TestPaths.demoScrapes + "/" + node)) ?? []).sorted().first,
      let bytes = try? Files.read(TestPaths.demoScrapes + "/" + node + "/" + scrape)
    {
      out.append(("demo scrape, gzip bytes", bytes))
      if let text = try? bytes.withUnsafeBytes({ try Gzip.inflate($0) }) { out.append(("demo scrape", text)) }
    }
    for text in [
      "a 1\nm{x=\"y\"} 2", "m{a=\"x\nn 2\n# EOF\n", "# TYPE a gauge\na 1\n# EOF\nb 2\nc 3\n", "", "\n\n",
      "m{a=\"" + String(repeating: "v", count: 300) + "\"} 1\n# EOF\n",
    ] {
      out.append((text.debugDescription, Array(text.utf8)))
    }
    return out
  }

  /// Feeds `body` through `FileStream.forEachPiece`, at most `pieceSize` bytes a read.
  static func parseInPieces(_ body: [UInt8], pieceSize: Int, format: ExpositionFormat, mode: ParseMode)
    -> (ParseSummary, [CollectedSample])
  {
    let parser = ExpositionParser(format: format, mode: mode)
    var sink = CollectingSink()
    parser.begin()
    var offset = 0
    // Reading memory cannot fail.
    try! FileStream.forEachPiece(
      bufferSize: 16,
      read: { into, room in
        let n = min(room, pieceSize, body.count - offset)
        if n > 0 { body.withUnsafeBytes { into.copyMemory(from: $0.baseAddress! + offset, byteCount: n) } }
        offset += n
        return n
      }, { piece, isLast in parser.feed(piece, isLast: isLast, into: &sink) })
    return (parser.finish(), sink.samples)
  }

  @Test func piecesOfAnySizeGiveTheWholeBodysResult() {
    for (name, body) in Self.bodies {
      for format in ExpositionFormat.allCases {
        for mode in [ParseMode.strict, .lenient] {
          let parser = ExpositionParser(format: format, mode: mode)
          var sink = CollectingSink()
          let whole = body.withUnsafeBytes { parser.parse($0, into: &sink) }
          let wholeSamples = sink.samples
          for pieceSize in [1, 7, 36, 64, 4096] {
            let (pieces, pieceSamples) = Self.parseInPieces(body, pieceSize: pieceSize, format: format, mode: mode)
            #expect(pieces.issues == whole.issues, "\(name) \(format) \(mode) in \(pieceSize)-byte pieces")
            #expect(pieceSamples == wholeSamples, "\(name) \(format) \(mode) in \(pieceSize)-byte pieces")
            #expect(pieces.lines == whole.lines && pieces.invalidLines == whole.invalidLines)
          }
        }
      }
    }
  }

  // The file reader: lines longer than its buffer make it grow; the validator on a
  // path reports what the validator on the bytes reports.
  @Test func fileValidationMatchesTheInMemoryOne() throws {
    let path = "/tmp/zonetop-stream-\(getpid()).om"
    defer { unlink(path) }
    let long = String(repeating: "x", count: 100_000)
    let text = "# TYPE m gauge\nm{a=\"\(long)\"} 1\nm{a=\"y\"} 2\nm{a=\"y\"} 3\n# EOF\n"
    try Files.writeAtomically(Array(text.utf8), to: path)
    let stream = try FileStream(path: path)
    let parser = ExpositionParser(format: .openMetrics, mode: .strict)
    var sink = CollectingSink()
    var calls = 0
    parser.begin()
    try stream.forEachPiece(bufferSize: 16) { piece, isLast in
      calls += 1
      return parser.feed(piece, isLast: isLast, into: &sink)
    }
    let summary = parser.finish()
    #expect(calls > 3)
    #expect(sink.samples.map(\.value) == [1, 2])
    #expect(summary.issues.map(\.description) == ["4:1: duplicate sample: the same name and label set appear twice"])
    let fromFile = try Validator.validate(path: path)
    let fromBytes = Array(text.utf8).withUnsafeBytes { Validator.validate($0, source: path) }
    #expect(fromFile.format == .openMetrics)
    #expect(fromFile.problems == fromBytes.problems && fromFile.samples == fromBytes.samples)
    #expect(throws: FileError.self) { try Validator.validate(path: "/tmp") }
  }
}
