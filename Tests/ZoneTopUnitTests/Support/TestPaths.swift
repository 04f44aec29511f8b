import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Paths of the repository's fixtures and of `../shared` beside it, from this file's location.
enum TestPaths {
  static let repo: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/")
  }()
  static let fixtures = repo + "/Fixtures"
  static let demoRecording = fixtures + "/demo/demo.ztrec.gz"
  static let demoScrapes = fixtures + "/demo/scrapes"
  static let truth = fixtures + "/demo/truth.json"
  /// `../shared/testdata` beside the project: present on developer and CI machines, absent in a user's clone.
  static let sharedTestdata = repo + "/../shared/testdata"
  static var hasShared: Bool { Files.isDirectory(sharedTestdata) }
}

/// Parses bytes leniently or strictly and collects samples as text, for assertions.
struct CollectedSample: Equatable {
  var name: String
  var labels: [String: String]
  var value: Double
  var timestampMs: Int64?
}

struct CollectingSink: SampleSink {
  var samples: [CollectedSample] = []
  mutating func consume(_ s: SampleRef) {
    var labels: [String: String] = [:]
    for l in s.labels {
      labels[String(decoding: s.labelName(l), as: UTF8.self)] = String(decoding: s.decodedValue(l), as: UTF8.self)
    }
    samples.append(
      CollectedSample(
        name: String(decoding: s.name, as: UTF8.self), labels: labels, value: s.value, timestampMs: s.timestampMs))
  }
}

func parse(_ text: String, _ format: ExpositionFormat, _ mode: ParseMode = .strict) -> (ParseSummary, [CollectedSample])
{
  var sink = CollectingSink()
  let bytes = Array(text.utf8)
  let summary = bytes.withUnsafeBytes { ExpositionParser(format: format, mode: mode).parse($0, into: &sink) }
  return (summary, sink.samples)
}
