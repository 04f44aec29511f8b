import Testing
import ZoneTopExposition

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
