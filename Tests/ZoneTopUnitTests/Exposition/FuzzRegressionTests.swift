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
}
