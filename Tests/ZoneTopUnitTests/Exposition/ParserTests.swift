import Glibc
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// Every construct of both formats, and the error each mistake produces.
@Suite struct ParserTests {
  @Test func ztunnelLineWithAllLabels() {
    let line =
      #"istio_tcp_received_bytes_total{reporter="source",source_workload="frontend",source_zone="us-east1-b"} 18446744073709551615"#
    let (summary, samples) = parse(line + "\n", .prometheusText)
    #expect(summary.isValid)
    #expect(samples.count == 1)
    #expect(samples[0].name == "istio_tcp_received_bytes_total")
    #expect(samples[0].labels == ["reporter": "source", "source_workload": "frontend", "source_zone": "us-east1-b"])
  }

  @Test func exactIntegersBeyondDoublePrecision() {
    struct Exact: SampleSink {
      var values: [UInt64?] = []
      mutating func consume(_ s: SampleRef) { values.append(s.exactValue) }
    }
    var sink = Exact()
    let text = Array("a 9007199254740993\nb 18446744073709551615\nc 1.5\n".utf8)
    _ = text.withUnsafeBytes { ExpositionParser(format: .prometheusText, mode: .strict).parse($0, into: &sink) }
    #expect(sink.values == [9_007_199_254_740_993, 18_446_744_073_709_551_615, nil])
  }

  @Test func labelValueEscapes() {
    let (summary, samples) = parse(#"m{a="q\"uote",b="back\\slash",c="new\nline"} 1"# + "\n", .prometheusText)
    #expect(summary.isValid)
    #expect(samples[0].labels == ["a": "q\"uote", "b": "back\\slash", "c": "new\nline"])
  }

  @Test func specialValuesAndTimestamps() {
    let (summary, samples) = parse("a NaN\nb +Inf 1700000000000\nc -Inf\nd 1.5e3 -5\n", .prometheusText)
    #expect(summary.isValid)
    #expect(samples[0].value.isNaN)
    #expect(samples[1].value == .infinity && samples[1].timestampMs == 1_700_000_000_000)
    #expect(samples[2].value == -.infinity)
    #expect(samples[3].value == 1500 && samples[3].timestampMs == -5)
  }

  @Test func openMetricsTimestampsAreSeconds() {
    let (summary, samples) = parse("# TYPE a gauge\na 1 1700000000.5\n# EOF\n", .openMetrics)
    #expect(summary.isValid)
    #expect(samples[0].timestampMs == 1_700_000_000_500)
  }

  @Test func allOpenMetricsTypes() {
    let text = """
      # TYPE c counter
      # HELP c A counter.
      c_total 1 # {trace_id="abc"} 1.0 1700000000
      c_created 1700000000
      # TYPE g_seconds gauge
      # UNIT g_seconds seconds
      g_seconds 2.5
      # TYPE h histogram
      h_bucket{le="0.5"} 1
      h_bucket{le="+Inf"} 3 # {id="x"} 0.7
      h_sum 2.1
      h_count 3
      # TYPE gh gaugehistogram
      gh_bucket{le="1"} 2
      gh_bucket{le="+Inf"} 4
      gh_gsum 3
      gh_gcount 4
      # TYPE s summary
      s{quantile="0.5"} 0.1
      s_sum 4
      s_count 10
      # TYPE st stateset
      st{st="a"} 1
      st{st="b"} 0
      # TYPE i info
      i_info{version="1.25"} 1
      # TYPE u unknown
      u 7
      # EOF

      """
    let (summary, samples) = parse(text, .openMetrics)
    #expect(summary.issues == [])
    #expect(samples.count == 18)
    #expect(samples.first { $0.name == "st" && $0.labels["st"] == "a" }?.value == 1)
  }

  @Test func strictOpenMetricsRejectsWhatTheSpecRejects() {
    let cases: [(String, String)] = [
      ("# TYPE a counter\na 1\n# EOF\n", "clashes"),
      ("a 1\n\n# EOF\n", "blank line"),
      ("# TYPE a counter\na_total NaN\n# EOF\n", "cannot be NaN"),
      ("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n", "clashes"),
      ("# TYPE a histogram\na_bucket{le=\"1\"} 1\na_bucket{le=\"+Inf\"} 0\n# EOF\n", "not cumulative"),
      ("# TYPE a gauge\na 1\na 2\n# EOF\n", "duplicate sample"),
      ("# TYPE a gauge\na 1\n", "missing \"# EOF\""),
      ("# TYPE a gauge\na 1 # {x=\"y\"} 1\n# EOF\n", "exemplars are allowed only"),
      ("# UNIT a seconds\na 1\n# EOF\n", "must end with its unit"),
      ("# HELP a x\n# HELP a y\n# EOF\n", "second HELP"),
      ("# TYPE a gauge\na 1\n# EOF\nb 1\n", "text after \"# EOF\""),
      ("# comment\n# EOF\n", "unknown metadata"),
    ]
    for (text, message) in cases {
      let (summary, _) = parse(text, .openMetrics)
      #expect(
        summary.issues.contains { $0.message.contains(message) },
        "\(text) should fail with \(message): \(summary.issues)")
    }
  }

  @Test func prometheusTextToleratesWhatItAllows() {
    let text = """
      # Any comment.
        # HELP m  Help with "quotes".
      # TYPE m untyped
      m{a="1",} 1

      \tm{a="2"}\t2
      m 3 1700000000000

      """
    let (summary, samples) = parse(text, .prometheusText)
    #expect(summary.isValid, "\(summary.issues)")
    #expect(samples.map(\.value) == [1, 2, 3])
  }

  @Test func errorsNameLineAndColumn() {
    let (summary, _) = parse("ok 1\nm{a=\"x\" 1\n", .prometheusText)
    #expect(summary.issues.map(\.description) == ["2:9: expected \",\" or \"}\" after label value"])
  }

  @Test func formatDetection() {
    func detect(_ s: String, _ ct: String? = nil) -> ExpositionFormat {
      Array(s.utf8).withUnsafeBytes { ExpositionFormat.detect(contentType: ct, body: $0) }
    }
    #expect(detect("# TYPE a counter\na_total 1\n# EOF\n") == .openMetrics)
    #expect(detect("# TYPE a_total counter\na_total 1\n# EOF\n") == .prometheusText)
    #expect(detect("a 1\n") == .prometheusText)
    #expect(detect("a 1\n", "application/openmetrics-text; version=1.0.0") == .openMetrics)
  }

  @Test func hostileLabelValuesStayData() {
    let evil = "\u{1B}]0;pwned\u{07}\u{1B}[2J"
    let (summary, samples) = parse("m{a=\"\(evil)\"} 1\n", .prometheusText)
    #expect(summary.isValid)
    #expect(samples[0].labels["a"] == evil)
    #expect(!Sanitize.visible(evil).unicodeScalars.contains { $0.value < 0x20 })
  }

  @Test func hugeLabelValueAndManyLabels() {
    let big = String(repeating: "x", count: 65536)
    let labels = (0..<200).map { "l\($0)=\"v\"" }.joined(separator: ",")
    let (summary, samples) = parse("m{a=\"\(big)\"} 1\nn{\(labels)} 2\n", .prometheusText)
    #expect(summary.isValid)
    #expect(samples[0].labels["a"]?.count == 65536)
    #expect(samples[1].labels.count == 200)
  }

  // A sample line finds its end only after its labels, so a newline inside a label
  // value must end the value (as an error) and the line, never swallow the next line.
  @Test func newlineInsideALabelValueEndsTheLine() {
    for format in ExpositionFormat.allCases {
      let eof = format == .openMetrics ? "# EOF\n" : ""
      for broken in ["m{a=\"x\nn 2\n", "m{a=\"x\\\nn 2\n", "m{a=\"\\\nn 2\n"] {
        let (strict, _) = parse(broken + eof, format)
        #expect(
          strict.issues.first?.description == "1:5: label value has no closing quote",
          "\(format) \(broken.debugDescription): \(strict.issues)")
        let (lenient, samples) = parse(broken + eof, format, .lenient)
        #expect(lenient.invalidLines == 1 && lenient.lines == 2 + (format == .openMetrics ? 1 : 0))
        #expect(samples.map(\.name) == ["n"], "\(format) \(broken.debugDescription)")
      }
    }
  }

  // Label names are matched against the previous line's names as a shortcut; a name
  // that only starts like the previous one, or a previous line that failed after its
  // name, must still be read and checked in full.
  @Test func labelNamesRepeatedFromThePreviousLine() {
    let (ok, samples) = parse(
      "m{source=\"a\",b=\"1\"} 1\nm{sourcex=\"a\",b=\"2\"} 2\nm{sourc=\"a\",b=\"3\"} 3\n", .prometheusText)
    #expect(ok.isValid, "\(ok.issues)")
    #expect(samples.map { $0.labels.keys.sorted() } == [["b", "source"], ["b", "sourcex"], ["b", "sourc"]])
    let (bad, _) = parse(
      "m{foo x} 1\nm{foo x} 1\nm{foo=x} 1\nm{foo=\"x\",a=\"1\",a=\"2\"} 1\nm{foo=\"x\",a=\"1\",a=\"2\"} 1\n",
      .prometheusText, .lenient)
    #expect(
      bad.issues.map(\.description) == [
        "1:7: expected \"=\" after label name", "2:7: expected \"=\" after label name",
        "3:7: expected a quoted label value", "4:17: duplicate label name \"a\"", "5:17: duplicate label name \"a\"",
      ])
  }

  // The label bomb of the reliability report (D8): lines of 50,000 labels. The duplicate
  // check compared every name with every earlier one, 1.25e9 compares a line; it must
  // stay linear in the number of labels, and still find a duplicate anywhere on the line.
  @Test func duplicateLabelCheckIsLinearOnWideLines() {
    let n = 50_000
    func line(_ k: Int, duplicateAt: Int? = nil) -> String {
      let names = (0..<n).map { i in i == duplicateAt ? "l\(k)_0" : "l\(k)_\(i)" }
      return "m{" + names.map { "\($0)=\"v\"" }.joined(separator: ",") + "} 1\n"
    }
    let last = line(4, duplicateAt: n - 1)
    let text = Array(((0..<4).map { line($0) }.joined() + last).utf8)
    let parser = ExpositionParser(format: .prometheusText, mode: .lenient)
    var sink = CountingSink()
    let summary = text.withUnsafeBytes { parser.parse($0, into: &sink) }
    #expect(sink.samples == 4)
    // The duplicate is the last name: `l4_0="v"} 1` ends the line.
    let column = last.utf8.count - "l4_0=\"v\"} 1\n".utf8.count + 1
    #expect(summary.issues.map(\.description) == ["5:\(column): duplicate label name \"l4_0\""])
    #expect(parser.labelNameComparisons < 5 * n)
    // Ordinary lines keep the pairwise check: at most 16 * 15 / 2 compares a line.
    let narrow = ExpositionParser(format: .prometheusText, mode: .strict)
    var small = CountingSink()
    let wide = Array("m{a=\"1\",b=\"2\",c=\"3\"} 1\nm{c=\"1\",b=\"2\",a=\"3\"} 1\n".utf8)
    _ = wide.withUnsafeBytes { narrow.parse($0, into: &small) }
    #expect(small.samples == 2)
    #expect(narrow.labelNameComparisons == 6)
  }

  @Test func lastLineWithoutNewline() {
    let (prom, samples) = parse("a 1\nm{x=\"y\"} 2", .prometheusText)
    #expect(prom.issues.map(\.description) == ["2:11: unexpected end of input: the last line has no newline"])
    #expect(samples.map(\.value) == [1, 2])
    let (om, _) = parse("a 1\nm{x=\"y\"} 2", .openMetrics)
    #expect(om.issues.last?.message == "missing \"# EOF\" at the end of OpenMetrics text")
  }

  // Label offsets are 32-bit: a buffer of 2 GiB or more is refused with a message,
  // never parsed with wrapped offsets. (A sparse file: nothing is read or written.)
  @Test func inputsOf2GiBAreRefusedNotMisread() throws {
    let path = "/tmp/zonetop-2gib-\(getpid()).prom"
    let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    #expect(fd >= 0)
    defer { unlink(path) }
    #expect(ftruncate(fd, 1 << 31) == 0)
    close(fd)
    let file = try MappedFile(path: path)
    var sink = CountingSink()
    let summary = ExpositionParser(format: .prometheusText, mode: .lenient).parse(file.bytes, into: &sink)
    #expect(
      summary.issues.map(\.description) == ["1:1: input is 2147483648 bytes: at most 2 GiB can be parsed at once"])
    #expect(sink.samples == 0)
  }
}
