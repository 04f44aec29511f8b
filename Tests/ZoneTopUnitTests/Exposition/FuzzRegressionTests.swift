import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Inputs the fuzzers found (`make fuzz`), kept so the bugs stay fixed.
@Suite struct FuzzRegressionTests {
  static var inputs: [String] { ((try? Files.list(TestPaths.fixtures + "/fuzz")) ?? []).filter { !$0.hasPrefix(".") } }

  @Test(arguments: inputs)
  func parsesWithSaneCounts(_ name: String) throws {
    let file = try MappedFile(path: TestPaths.fixtures + "/fuzz/" + name)
    for format in ExpositionFormat.allCases {
      for mode in [ParseMode.strict, .lenient] {
        var sink = CountingSink()
        let summary = ExpositionParser(format: format, mode: mode).parse(file.bytes, into: &sink)
        #expect(
          summary.invalidLines <= summary.lines,
          "\(format) \(mode): \(summary.invalidLines) invalid of \(summary.lines) lines")
        #expect(summary.samples + summary.invalidLines <= summary.lines)
      }
    }
  }

  /// `fuzz-frame-header`'s round trip: a frame built from the input comes back from its encoding.
  @Test(arguments: inputs.filter { $0.hasPrefix("frame-header-") })
  func frameHeaderRoundTrip(_ name: String) throws {
    let input = try Files.read(TestPaths.fixtures + "/fuzz/" + name)
    try #require(input.count >= 10)
    var offset: UInt64 = 0
    for i in 0..<8 { offset = offset << 8 | UInt64(input[i]) }
    let parts = input[10...].split(separator: 0xFF, maxSplits: 3, omittingEmptySubsequences: false)
    func text(_ i: Int) -> String? { i < parts.count ? String(decoding: parts[i], as: UTF8.self) : nil }
    let frame = Frame(
      target: text(0) ?? "", timeMs: PlausibleTime.range.lowerBound + Int64(offset % 1_000_000_000_000),
      status: Int(input[8]) * 4, contentType: input[9] & 1 == 0 ? nil : text(1),
      error: input[9] & 2 == 0 ? nil : text(2), body: parts.count > 3 ? Array(parts[3]) : [])
    let encoded = RecordingFormat.magic + RecordingFormat.encode(frame)
    encoded.withUnsafeBytes { buf in
      let reader = RecordingReader(buf, path: name)
      #expect(reader.problems.isEmpty && reader.frames.count == 1 && reader.validEnd == buf.count)
      guard let f = reader.frames.first else { return }
      #expect(f.target == RecordingFormat.prefix(frame.target, maxBytes: RecordingFormat.maxTargetBytes))
      #expect(f.timeMs == frame.timeMs && f.status == frame.status)
    }
  }
}
