import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// `Fixtures/invalid`: each malformed file produces its documented error.
@Suite struct InvalidFixtureTests {
  static let dir = TestPaths.fixtures + "/invalid"

  static var inputs: [String] {
    ((try? Files.list(dir)) ?? []).filter { $0.hasSuffix(".prom") || $0.hasSuffix(".om") }
  }

  @Test(arguments: inputs)
  func producesDocumentedError(_ name: String) throws {
    let stem = name.split(separator: ".").dropLast().joined(separator: ".")
    let expected = String(decoding: try Files.read("\(Self.dir)/\(stem).expected"), as: UTF8.self)
      .split(separator: "\n").map { "\(name):\($0)" }
    let file = try MappedFile(path: "\(Self.dir)/\(name)")
    let format: ExpositionFormat = name.hasSuffix(".om") ? .openMetrics : .prometheusText
    let result = Validator.validate(file.bytes, source: name, format: format)
    #expect(result.problems == expected)
  }

  @Test func lenientModeKeepsTheValidLines() {
    let text = """
      istio_tcp_sent_bytes_total{reporter="source"} 10
      istio_tcp_sent_bytes_total{reporter="source" 12
      garbage line here
      istio_tcp_sent_bytes_total{reporter="destination"} 20

      """
    let (summary, samples) = parse(text, .prometheusText, .lenient)
    #expect(summary.invalidLines == 2)
    #expect(samples.map(\.value) == [10, 20])
    #expect(summary.issues.map(\.line) == [2, 3])
  }
}
