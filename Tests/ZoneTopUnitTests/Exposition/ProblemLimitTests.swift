import Testing
import ZoneTopExposition
import ZoneTopFiles

/// Reliability report D28: a bounded list of problems.
///
/// `validate` kept one message per problem, so 500 MB of one repeated line took 3.0 GB. Strict mode keeps `maxStrictIssues` and says there are more;
/// every invalid line is still counted.
@Suite struct ProblemLimitTests {
  @Test func strictModeKeepsABoundedListAndCountsEveryLine() {
    let n = ExpositionParser.maxStrictIssues * 2
    let body = Array(String(repeating: "not a sample line {\n", count: n).utf8)
    var sink = CountingSink()
    let summary = body.withUnsafeBytes {
      ExpositionParser(format: .prometheusText, mode: .strict).parse($0, into: &sink)
    }
    #expect(summary.invalidLines == n)
    #expect(summary.issues.count == ExpositionParser.maxStrictIssues + 1)
    #expect(
      summary.issues.last?.message == "more than \(ExpositionParser.maxStrictIssues) problems: the rest are not listed")
    #expect(!summary.isValid)
  }
}

/// D28's other half: a line longer than `maxLineBytes` read in pieces is skipped, so the
/// reader's buffer stays bounded (it grew to hold the whole line: 2.1 GB for 1.5 GB).
@Suite struct LongLineTests {
  @Test func aHugeLineReadInPiecesIsOneSkippedLine() throws {
    let huge = ExpositionParser.maxLineBytes + (3 << 20)
    let tail = Array("\nistio_tcp_received_bytes_total{a=\"b\"} 1\n".utf8)
    var offset = 0
    var largestPiece = 0
    let parser = ExpositionParser(format: .prometheusText, mode: .strict)
    var sink = CountingSink()
    parser.begin()
    try FileStream.forEachPiece(
      read: { into, room in
        // `huge` zero bytes, then the tail.
        let n = min(room, huge + tail.count - offset)
        let zeros = max(0, min(n, huge - offset))
        into.initializeMemory(as: UInt8.self, repeating: 0, count: zeros)
        for i in zeros..<n { into.storeBytes(of: tail[offset + i - huge], toByteOffset: i, as: UInt8.self) }
        offset += n
        return n
      },
      { piece, isLast in
        largestPiece = max(largestPiece, piece.count)
        return parser.feed(piece, isLast: isLast, into: &sink)
      })
    let summary = parser.finish()
    #expect(summary.samples == 1)
    #expect(summary.invalidLines == 1)
    #expect(summary.issues.first?.message == "line longer than 64 MiB: skipped")
    #expect(largestPiece <= 2 * ExpositionParser.maxLineBytes)
  }
}
