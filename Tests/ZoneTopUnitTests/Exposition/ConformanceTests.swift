import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The OpenMetrics conformance suite and the Prometheus text vectors in `../shared/testdata`.
@Suite struct ConformanceTests {
  @Test(.enabled(if: TestPaths.hasShared, "../shared/testdata is absent (a user's clone): conformance suite skipped"))
  func openMetricsSuiteAll211Cases() throws {
    let dir = TestPaths.sharedTestdata + "/openmetrics"
    let cases = try Files.list(dir)
    var passed = 0
    var failures: [String] = []
    for name in cases {
      let json = String(decoding: try Files.read("\(dir)/\(name)/test.json"), as: UTF8.self)
      let shouldParse = json.contains("\"shouldParse\": true")
      let file = try MappedFile(path: "\(dir)/\(name)/metrics")
      let result = Validator.validate(file.bytes, source: name, format: .openMetrics)
      if result.isValid == shouldParse {
        passed += 1
      } else {
        failures.append(
          "\(name): expected \(shouldParse ? "valid" : "invalid"), got \(result.problems.first ?? "valid")")
      }
    }
    #expect(cases.count == 211)
    #expect(failures == [])
    #expect(passed == 211)
  }

  @Test(
    .enabled(if: TestPaths.hasShared, "../shared/testdata is absent (a user's clone): Prometheus text vectors skipped"))
  func prometheusGoodVectorsParse() throws {
    let dir = TestPaths.sharedTestdata + "/promtext"
    let good =
      [
        "prometheus-2.42-debian/promtestdata.txt", "prometheus-2.42-debian/promtestdata.nometa.txt",
        "prometheus-textparse/alltypes.237mfs.prom.txt", "prometheus-textparse/alltypes.237mfs.nometa.prom.txt",
        "prometheus-textparse/1histogram.om.txt", "prometheus-promtool/metrics-test.prom",
        "common-expfmt/testdata/text",
      ] + (try Files.list(dir + "/common-expfmt/fuzz-corpus/good")).map { "common-expfmt/fuzz-corpus/good/" + $0 }
    for path in good {
      let file = try MappedFile(path: "\(dir)/\(path)")
      let result = Validator.validate(file.bytes, source: path)
      #expect(result.problems == [], "\(path)")
    }
    // The gzip copy of expfmt's text vector reads the same.
    let gz = try MappedFile(path: dir + "/common-expfmt/testdata/text.gz")
    let inflated = try Gzip.inflate(gz.bytes)
    #expect(inflated.withUnsafeBytes { Validator.validate($0, source: "text.gz").problems } == [])
  }

  /// Prometheus' own OpenMetrics benchmark input has a negative histogram `_sum` and
  /// negative quantile values, which OpenMetrics 1.0 forbids (the suite's
  /// bad_counter_values_5, _17 and _19 reject exactly that): strict mode reports
  /// them, lenient mode keeps every sample.
  @Test(.enabled(if: TestPaths.hasShared, "../shared/testdata is absent (a user's clone): skipped"))
  func alltypesOpenMetricsVectorIsLenientlyComplete() throws {
    let file = try MappedFile(path: TestPaths.sharedTestdata + "/promtext/prometheus-textparse/alltypes.5mfs.om.txt")
    let strict = Validator.validate(file.bytes, source: "alltypes.5mfs.om.txt")
    #expect(strict.problems.contains { $0.contains("_sum value cannot be negative") })
    #expect(strict.problems.contains { $0.contains("quantile values cannot be negative") })
    var sink = CountingSink()
    let lenient = ExpositionParser(format: .openMetrics, mode: .lenient).parse(file.bytes, into: &sink)
    let sampleLines = Array(file.bytes).split(separator: 0x0A).filter { $0.first != UInt8(ascii: "#") }.count
    #expect(lenient.invalidLines == 0)
    #expect(lenient.samples == sampleLines)
    #expect(sampleLines == 53)
  }

  @Test(.enabled(if: TestPaths.hasShared, "../shared/testdata is absent (a user's clone): skipped"))
  func all20BadExpfmtInputsRejectedInStrictText004() throws {
    let dir = TestPaths.sharedTestdata + "/promtext/common-expfmt/fuzz-corpus/bad"
    let bad = try Files.list(dir)
    #expect(bad.count == 20)
    for name in bad {
      let file = try MappedFile(path: "\(dir)/\(name)")
      let result = Validator.validate(file.bytes, source: name, format: .prometheusText)
      #expect(!result.isValid, "\(name) should be rejected")
    }
  }
}
