import CByteScan
import Glibc

/// Parser for Prometheus text 0.0.4 and OpenMetrics 1.0 text, on bytes.
///
/// One implementation, two modes: `.strict` reports everything the
/// specifications reject (families, grouping, histogram rules, ...), `.lenient`
/// skips invalid lines, counts them and hands every valid sample to the sink.
/// Samples are views into the input (`SampleRef`); nothing is allocated per
/// sample once the label scratch buffer has grown to the widest line.
public final class ExpositionParser {
  /// Lenient mode keeps at most this many issues (the count is exact).
  public static let maxIssues = 100
  /// Problems kept in strict mode (`validate` lists them), and one line saying there are more.
  public static let maxStrictIssues = 10_000
  /// The longest line of a body read in pieces (`feed`).
  ///
  /// A longer one is one invalid line, skipped, so a reader's buffer never has to hold
  /// it (1.5 GB of NULs on one line took 2.1 GB in `validate -`). A whole body (`parse`)
  /// is in memory anyway.
  public static let maxLineBytes = 64 << 20

  public let format: ExpositionFormat
  public let mode: ParseMode

  private var labels: UnsafeMutablePointer<LabelSpan>
  private var labelCapacity = 64
  private var labelCount = 0
  /// Samples handed to the sink (a plain counter beside `summary`, so counting a sample
  /// does not touch the summary struct).
  private var sampleCount = 0
  private var exemplarLabels: UnsafeMutablePointer<LabelSpan>
  private var summary: ParseSummary
  private var lineNumber = 0
  private var lineStart = 0
  private var sawEOF = false
  /// Nothing more is parsed: text after "# EOF", or an input too large.
  private var ignoringRest = false
  /// Inside a line longer than `maxLineBytes`: bytes up to its newline are skipped.
  private var skippingLongLine = false
  private var tooLarge = false
  private var bytesSeen = 0
  private var endsWithNewline = false
  private var lastNameSequenceHash: UInt64 = 0
  private let om = OpenMetricsRules()
  private let prom = PrometheusRules()
  /// `nameChar` as a raw table: no array access on the hot path.
  private let classes: UnsafeMutablePointer<UInt8>
  /// The label names of the last sample line (offsets into the buffer) and their
  /// hashes: exporters repeat the same names in the same order on every line,
  /// so a name that matches is neither re-validated nor re-hashed.
  private var previousNames: UnsafeMutablePointer<(start: Int, length: Int, hash: UInt64)>
  private var previousNameCount = 0
  /// The metric name of the last sample line (an offset into the buffer) and its hash.
  private var previousMetricName: (start: Int, length: Int, hash: UInt64) = (0, 0, 0)

  public init(format: ExpositionFormat, mode: ParseMode) {
    self.format = format
    self.mode = mode
    labels = .allocate(capacity: labelCapacity)
    exemplarLabels = .allocate(capacity: 64)
    classes = .allocate(capacity: 256)
    classes.initialize(from: Self.nameChar, count: 256)
    previousNames = .allocate(capacity: 64)
    summary = ParseSummary(format: format)
  }

  deinit {
    labels.deallocate()
    exemplarLabels.deallocate()
    classes.deallocate()
    previousNames.deallocate()
  }

  /// Parses a whole body and feeds each valid sample to `sink`.
  public func parse<S: SampleSink>(_ buffer: UnsafeRawBufferPointer, into sink: inout S) -> ParseSummary {
    begin()
    _ = feed(buffer, isLast: true, into: &sink)
    return finish()
  }

  // MARK: - Streaming

  /// Starts a body that arrives in pieces: `feed` each piece, then `finish`.
  public func begin() {
    summary = ParseSummary(format: format)
    om.reset()
    prom.reset()
    lineNumber = 0
    sampleCount = 0
    lastNameSequenceHash = 0
    previousNameCount = 0
    sawEOF = false
    ignoringRest = false
    skippingLongLine = false
    tooLarge = false
    bytesSeen = 0
    endsWithNewline = false
  }

  /// Parses the complete lines at the start of `chunk` (all of it when `isLast`) and
  /// returns the number of bytes consumed.
  ///
  /// The caller passes the unconsumed rest again,
  /// followed by what comes next; a chunk is never held after the call returns.
  public func feed<S: SampleSink>(_ chunk: UnsafeRawBufferPointer, isLast: Bool, into sink: inout S) -> Int {
    guard let raw = chunk.baseAddress, chunk.count > 0 else { return 0 }
    guard !ignoringRest else { return chunk.count }
    guard chunk.count <= Int(Int32.max) else {
      report(0, "input is \(chunk.count) bytes: at most 2 GiB can be parsed at once", line: 1)
      ignoringRest = true
      tooLarge = true
      return chunk.count
    }
    let p = raw.assumingMemoryBound(to: UInt8.self)
    if skippingLongLine {
      guard let nl = memchr(raw, 0x0A, chunk.count) else { return chunk.count }
      skippingLongLine = false
      let used = UnsafeRawPointer(nl) - UnsafeRawPointer(raw) + 1
      bytesSeen += used
      endsWithNewline = true
      guard used < chunk.count else { return used }
      return used + feed(UnsafeRawBufferPointer(rebasing: chunk[used...]), isLast: isLast, into: &sink)
    }
    var end = chunk.count
    if !isLast {
      // Up to the last newline (a line's length back from the end).
      while end > 0 && p[end - 1] != 0x0A { end -= 1 }
      if end == 0 {
        guard chunk.count >= Self.maxLineBytes else { return 0 }
        lineNumber += 1
        summary.invalidLines += 1
        report(0, "line longer than \(Self.maxLineBytes >> 20) MiB: skipped")
        skippingLongLine = true
        bytesSeen += chunk.count
        return chunk.count
      }
    }
    bytesSeen += end
    endsWithNewline = p[end - 1] == 0x0A
    // The previous line's names are offsets into the previous chunk.
    previousNameCount = 0
    previousMetricName.length = 0
    var pos = 0
    while pos < end {
      lineNumber += 1
      lineStart = pos
      if sawEOF {
        report(0, "text after \"# EOF\"")
        ignoringRest = true
        return chunk.count
      }
      // A sample line finds its own end once past its labels (a label value cannot
      // hold a newline), so the long label part is read once, not twice.
      if classes[Int(p[pos])] & 1 != 0 {
        pos = parseSample(p, pos, end, into: &sink) + 1
        continue
      }
      let lineEnd = Self.lineEnd(p, pos, end)
      if format == .openMetrics {
        if lineEnd - pos == 5 && memcmp(p + pos, "# EOF", 5) == 0 {
          sawEOF = true
          pos = lineEnd + 1
          continue
        }
      } else {
        checkFinalNewline(lineEnd, end)
      }
      parseLine(p, pos, lineEnd, end, into: &sink)
      pos = lineEnd + 1
    }
    return end
  }

  /// Ends the body: the end-of-input checks, then the summary.
  public func finish() -> ParseSummary {
    if tooLarge { return summary }
    if bytesSeen == 0 {
      if format == .openMetrics { report(1, "missing \"# EOF\" at the end of OpenMetrics text", line: 1) }
      return summary
    }
    summary.lines = lineNumber
    summary.samples = sampleCount
    if format == .openMetrics {
      if mode == .strict { om.finishFamily(self) }
      if !sawEOF {
        report(0, "missing \"# EOF\" at the end of OpenMetrics text", line: lineNumber + (endsWithNewline ? 1 : 0))
      }
    }
    return summary
  }

  // MARK: - Issues

  /// Records an issue at a byte offset within the current line.
  func report(_ offset: Int, _ message: String, line: Int? = nil) {
    let issue = ParseIssue(line: line ?? max(lineNumber, 1), column: offset + 1, message: message)
    let limit = mode == .strict ? Self.maxStrictIssues : Self.maxIssues
    if summary.issues.count < limit {
      summary.issues.append(issue)
    } else if mode == .strict && summary.issues.count == limit {
      // The lines stay counted (`invalidLines`); their messages would cost memory without end:
      // 500 MB of one repeated line took 3.0 GB as one "seen before" message a line.
      summary.issues.append(
        ParseIssue(line: issue.line, column: 1, message: "more than \(limit) problems: the rest are not listed"))
    }
  }

  /// Prometheus text (strict): the last line must end with a newline.
  @inline(__always)
  private func checkFinalNewline(_ lineEnd: Int, _ end: Int) {
    if lineEnd == end && format == .prometheusText && mode == .strict {
      report(lineEnd - lineStart, "unexpected end of input: the last line has no newline")
    }
  }

  /// The index of the newline that ends the line holding `from`, or `end`.
  @inline(__always)
  static func lineEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
    guard from < end, let nl = memchr(p + from, 0x0A, end - from) else { return end }
    return UnsafeRawPointer(nl).assumingMemoryBound(to: UInt8.self) - p
  }

  /// A line-level failure: in lenient mode the line is skipped and counted.
  private func fail(_ p: UnsafePointer<UInt8>, at index: Int, _ message: String) {
    summary.invalidLines += 1
    report(index - lineStart, message)
  }

  // MARK: - Lines

  /// A line that does not start with a metric name: blank, a comment or metadata,
  /// a sample after blanks (Prometheus text), or an error.
  private func parseLine<S: SampleSink>(
    _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ bufferEnd: Int,
    into sink: inout S
  ) {
    var e = end
    var s = start
    if format == .prometheusText {
      if e > s && p[e - 1] == 0x0D { e -= 1 }
      while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
    }
    if e == s {
      if format == .openMetrics { fail(p, at: start, "blank line (not allowed in OpenMetrics)") }
      return
    }
    if p[s] == UInt8(ascii: "#") {
      parseComment(p, s, e)
    } else if classes[Int(p[s])] & 1 != 0 {
      _ = parseSample(p, s, bufferEnd, into: &sink, lineEndKnown: true)
    } else {
      fail(p, at: s, "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    }
  }

  // MARK: - Comments and metadata

  private func parseComment(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
    if format == .openMetrics {
      parseOpenMetricsMetadata(p, start, end)
    } else {
      parsePrometheusComment(p, start, end)
    }
  }

  private func parseOpenMetricsMetadata(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
    // "# " KEYWORD " " name [" " text]
    guard end - start >= 2, p[start + 1] == UInt8(ascii: " ") else {
      return fail(
        p, at: start,
        "expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\" (comments are not allowed in OpenMetrics)")
    }
    let kwStart = start + 2
    var i = kwStart
    while i < end && p[i] != UInt8(ascii: " ") { i += 1 }
    let keyword = String(decoding: UnsafeBufferPointer(start: p + kwStart, count: i - kwStart), as: UTF8.self)
    guard keyword == "HELP" || keyword == "TYPE" || keyword == "UNIT" else {
      return fail(p, at: kwStart, "unknown metadata \"# \(Sanitize.short(keyword))\": expected HELP, TYPE, UNIT or EOF")
    }
    guard i < end else { return fail(p, at: i, "expected a metric name after \"# \(keyword)\"") }
    i += 1
    let nameStart = i
    while i < end && p[i] != UInt8(ascii: " ") { i += 1 }
    guard i > nameStart, Self.isMetricName(p, nameStart, i) else {
      return fail(p, at: nameStart, "invalid metric name in \"# \(keyword)\"")
    }
    guard i < end else {
      return fail(
        p, at: i,
        "expected a space and \(keyword == "TYPE" ? "a type" : keyword == "UNIT" ? "a unit" : "help text") after the metric name"
      )
    }
    let textStart = i + 1
    let name = Array(UnsafeBufferPointer(start: p + nameStart, count: i - nameStart))
    var type: MetricType?
    var unit: [UInt8]?
    switch keyword {
    case "TYPE":
      let t = String(decoding: UnsafeBufferPointer(start: p + textStart, count: end - textStart), as: UTF8.self)
      guard let parsed = MetricType(rawValue: t), parsed != .untyped else {
        return fail(
          p, at: textStart,
          "invalid type \"\(Sanitize.short(t))\": expected counter, gauge, histogram, gaugehistogram, summary, stateset, info or unknown"
        )
      }
      type = parsed
    case "UNIT":
      unit = Array(UnsafeBufferPointer(start: p + textStart, count: end - textStart))
      if let u = unit, !u.allSatisfy({ Self.nameChar[Int($0)] & 2 != 0 }) {
        return fail(p, at: textStart, "invalid unit: expected letters, digits and underscores")
      }
    default:
      break
    }
    if mode == .strict {
      om.metadata(self, keyword: keyword, name: name, type: type, unit: unit, column: nameStart - start)
    }
  }

  private func parsePrometheusComment(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
    var i = start + 1
    while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
    let kwStart = i
    while i < end && p[i] != 0x20 && p[i] != 0x09 { i += 1 }
    let kwLen = i - kwStart
    let isHelp = kwLen == 4 && memcmp(p + kwStart, "HELP", 4) == 0
    let isType = kwLen == 4 && memcmp(p + kwStart, "TYPE", 4) == 0
    guard isHelp || isType else { return }  // an ordinary comment
    while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
    if i == end { return }  // "# HELP" alone is a comment, as in expfmt
    let nameStart = i
    while i < end && p[i] != 0x20 && p[i] != 0x09 { i += 1 }
    if i == end && isHelp { return }  // "# HELP name" with no text: ignored, as in expfmt
    guard i > nameStart, Self.isMetricName(p, nameStart, i) else {
      return fail(p, at: nameStart, "invalid metric name in \(isHelp ? "HELP" : "TYPE") line")
    }
    let name = Array(UnsafeBufferPointer(start: p + nameStart, count: i - nameStart))
    while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
    if isHelp {
      if mode == .strict {
        var k = i
        while k < end {
          if p[k] == UInt8(ascii: "\\") {
            guard k + 1 < end, p[k + 1] == UInt8(ascii: "\\") || p[k + 1] == UInt8(ascii: "n") else {
              return fail(p, at: k, "invalid escape sequence in HELP text: only \\\\ and \\n are allowed")
            }
            k += 2
          } else {
            k += 1
          }
        }
        prom.help(self, name: name, column: nameStart - start)
      }
      return
    }
    var typeEnd = end
    while typeEnd > i && (p[typeEnd - 1] == 0x20 || p[typeEnd - 1] == 0x09) { typeEnd -= 1 }
    let t = String(decoding: UnsafeBufferPointer(start: p + i, count: typeEnd - i), as: UTF8.self)
    guard let type = MetricType(rawValue: t), type != .stateset, type != .info, type != .gaugehistogram,
      type != .unknown
    else {
      return fail(
        p, at: i, "invalid type \"\(Sanitize.short(t))\": expected counter, gauge, histogram, summary or untyped")
    }
    if mode == .strict { prom.type(self, name: name, type: type, column: nameStart - start) }
  }

  // MARK: - Samples

  /// Parses a sample line that starts at `start` with a metric name; `limit` is the
  /// end of the buffer.
  ///
  /// Returns the index of the newline that ends the line (or `limit`).
  @inline(__always)
  private func parseSample<S: SampleSink>(
    _ p: UnsafePointer<UInt8>, _ start: Int, _ limit: Int, into sink: inout S,
    lineEndKnown: Bool = false
  ) -> Int {
    let isOM = format == .openMetrics
    var i: Int
    var seriesHash: UInt64
    let previous = previousMetricName
    if previous.length > 0 && start + previous.length < limit && classes[Int(p[start + previous.length])] & 4 == 0
      && Self.sameBytes(p + start, p + previous.start, previous.length)
    {
      // The previous line's metric name (one family's lines follow each other).
      i = start + previous.length
      seriesHash = previous.hash
    } else {
      i = start + 1
      while i < limit && classes[Int(p[i])] & 4 != 0 { i += 1 }
      seriesHash = hashBytes(p + start, i - start)
      previousMetricName = (start, i - start, seriesHash)
    }
    let nameEnd = i
    var groupHash: UInt64 = 0
    labelCount = 0
    let afterName = i
    if !isOM { while i < limit && (p[i] == 0x20 || p[i] == 0x09) { i += 1 } }
    let blanksAfterName = i > afterName
    if i < limit && p[i] == UInt8(ascii: "{") {
      var combined: UInt64 = 0
      // Locals, not the properties, go inout: an inout property is a checked access.
      var spans = labels
      var count = 0
      let after = parseLabels(p, i + 1, limit, into: &spans, count: &count, grow: true, pairHashes: &combined)
      labels = spans
      labelCount = count
      guard let after else { return sampleLineEnd(p, i, limit, lineEndKnown: lineEndKnown) }
      i = after
      groupHash = combined
      seriesHash = mixHash(seriesHash ^ combined)
    }
    let lineEnd = sampleLineEnd(p, i, limit, lineEndKnown: lineEndKnown)
    var end = lineEnd
    if !isOM && end > i && p[end - 1] == 0x0D { end -= 1 }
    if labelCount > 0 && mode == .strict && !isOM {
      if let bad = checkPrometheusLabels(p) {
        fail(p, at: bad.0, bad.1)
        return lineEnd
      }
    }
    parseSampleTail(
      p, start, nameEnd, i, end, blanksAfterName: blanksAfterName, groupHash: groupHash,
      seriesHash: seriesHash, into: &sink)
    return lineEnd
  }

  /// The newline ending a sample line, searched from `from`; the final-newline check
  /// unless the caller made it.
  @inline(__always)
  private func sampleLineEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, lineEndKnown: Bool) -> Int {
    let lineEnd = Self.lineEnd(p, from, limit)
    if !lineEndKnown { checkFinalNewline(lineEnd, limit) }
    return lineEnd
  }

  /// The rest of a sample line after its name and labels (`i`): value, timestamp, exemplar.
  @inline(__always)
  private func parseSampleTail<S: SampleSink>(
    _ p: UnsafePointer<UInt8>, _ start: Int, _ nameEnd: Int, _ from: Int,
    _ end: Int, blanksAfterName: Bool, groupHash: UInt64,
    seriesHash: UInt64, into sink: inout S
  ) {
    let isOM = format == .openMetrics
    var i = from
    // Separator before the value.
    if isOM {
      guard i < end, p[i] == 0x20 else {
        return fail(
          p, at: i,
          "expected a space and a value after the \(labelCount > 0 || (i > 0 && p[i - 1] == UInt8(ascii: "}")) ? "labels" : "metric name")"
        )
      }
      i += 1
    } else {
      let before = i
      while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
      guard i > before || blanksAfterName || (before > start && p[before - 1] == UInt8(ascii: "}")) else {
        return fail(p, at: i, "expected a space and a value after the metric name")
      }
    }
    let valueStart = i
    while i < end && p[i] != 0x20 && p[i] != 0x09 { i += 1 }
    guard i > valueStart else { return fail(p, at: valueStart, "expected a value") }
    guard
      let number = isOM
        ? NumberParsing.openMetricsValue(p, valueStart, i) : NumberParsing.prometheusValue(p, valueStart, i)
    else {
      return fail(
        p, at: valueStart, "invalid value \"\(Sanitize.short(p, valueStart, i))\": expected a number, NaN, +Inf or -Inf"
      )
    }
    var timestampMs: Int64?
    var timestampSeconds: Double?
    var hasExemplar = false
    if isOM {
      if i < end {
        // " " timestamp and/or " # " exemplar; nothing else, no trailing space.
        guard p[i] == 0x20 else {
          return fail(p, at: i, "expected a space, a timestamp or an exemplar after the value")
        }
        i += 1
        if i < end && p[i] != UInt8(ascii: "#") {
          let tsStart = i
          while i < end && p[i] != 0x20 { i += 1 }
          guard let ts = NumberParsing.openMetricsTimestamp(p, tsStart, i) else {
            return fail(
              p, at: tsStart,
              "invalid timestamp \"\(Sanitize.short(p, tsStart, i))\": expected seconds as a decimal number")
          }
          timestampSeconds = ts
          timestampMs = ts.isFinite && abs(ts) < 9.2e15 ? Int64((ts * 1000).rounded()) : nil
          if i < end {
            guard p[i] == 0x20 else { return fail(p, at: i, "unexpected character after the timestamp") }
            i += 1
          }
        }
        if i < end || (i == end && p[i - 1] == 0x20) {
          guard i + 1 < end, p[i] == UInt8(ascii: "#"), p[i + 1] == 0x20 else {
            return fail(p, at: i, "expected \" # \" and an exemplar, or the end of the line")
          }
          guard let err = parseExemplar(p, i + 2, end) else {
            hasExemplar = true
            return finishSample()
          }
          return fail(p, at: err.0, err.1)
        }
      }
    } else {
      while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
      if i < end {
        let tsStart = i
        while i < end && p[i] != 0x20 && p[i] != 0x09 { i += 1 }
        guard let ts = NumberParsing.prometheusTimestamp(p, tsStart, i) else {
          return fail(
            p, at: tsStart, "invalid timestamp \"\(Sanitize.short(p, tsStart, i))\": expected integer milliseconds")
        }
        timestampMs = ts
        timestampSeconds = Double(ts) / 1000
        while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        if i < end { return fail(p, at: i, "unexpected text after the timestamp") }
      }
    }
    finishSample()

    @inline(__always)
    func finishSample() {
      if mode == .strict {
        let ok: Bool
        if isOM {
          ok = om.sample(
            self, p, start, nameEnd, labels: UnsafeBufferPointer(start: labels, count: labelCount),
            value: number, timestamp: timestampSeconds, hasExemplar: hasExemplar,
            groupHash: groupHash, seriesHash: seriesHash)
        } else {
          ok = prom.sample(
            self, p, start, nameEnd, labels: UnsafeBufferPointer(start: labels, count: labelCount),
            value: number, timestamp: timestampMs, seriesHash: seriesHash)
        }
        if !ok { return }
      }
      sampleCount += 1
      sink.consume(
        SampleRef(
          base: p, nameStart: start, nameEnd: nameEnd,
          labels: UnsafeBufferPointer(start: labels, count: labelCount),
          value: number.value, exactValue: number.exact, timestampMs: timestampMs,
          seriesHash: seriesHash, line: lineNumber))
    }
  }

  /// A strict-mode failure that the family rules found: counts the line as invalid.
  func ruleViolation(column: Int, _ message: String) {
    summary.invalidLines += 1
    report(column, message)
  }

  /// A family-level violation that is not tied to one line: an issue, not an invalid line
  /// (the line that revealed it may be invalid for its own reason too).
  func familyViolation(line: Int, _ message: String) {
    report(0, message, line: line)
  }

  var currentLine: Int { lineNumber }

  // MARK: - Labels

  /// Parses `name="value",...}` starting after `{`; returns the index after `}`.
  ///
  /// Stops with an error at a newline: `end` may be the end of the buffer.
  @inline(__always)
  private func parseLabels(
    _ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int,
    into spansOut: inout UnsafeMutablePointer<LabelSpan>, count countOut: inout Int, grow: Bool,
    pairHashes pairHashesOut: inout UInt64
  ) -> Int? {
    // Locals for the inout values and the previous line's names: stores through `spans`
    // may alias memory, so values kept there were loaded again for every label.
    var spans = spansOut
    var count = countOut
    var pairHashes = pairHashesOut
    let previousNames = self.previousNames
    var previousNameCount = self.previousNameCount
    defer {
      spansOut = spans
      countOut = count
      pairHashesOut = pairHashes
      self.previousNameCount = previousNameCount
    }
    let isOM = format == .openMetrics
    var i = from
    @inline(__always) func skipBlanks() { if !isOM { while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 } } }
    skipBlanks()
    if i < end && p[i] == UInt8(ascii: "}") { return i + 1 }
    var nameSequence: UInt64 = 0
    while true {
      skipBlanks()
      let nameStart = i
      let nameHash: UInt64
      let nameLen: Int
      if grow && count < previousNameCount,
        case let prev = previousNames[count], nameStart + prev.length + 2 <= end,
        Self.sameBytes(p + nameStart, p + prev.start, prev.length + 2)
      {
        // The same name as on the previous line, with its `="`: valid already.
        nameLen = prev.length
        nameHash = prev.hash
        i += nameLen + 2
      } else {
        guard i < end, classes[Int(p[i])] & 8 != 0 else {
          fail(
            p, at: i,
            i < end && p[i] == UInt8(ascii: "}")
              ? "unexpected \"}\" after \",\": expected a label name" : "expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)"
          )
          return nil
        }
        i += 1
        while i < end && classes[Int(p[i])] & 2 != 0 { i += 1 }
        nameLen = i - nameStart
        nameHash = hashBytes(p + nameStart, nameLen)
        skipBlanks()
        guard i < end, p[i] == UInt8(ascii: "=") else {
          fail(p, at: i, "expected \"=\" after label name")
          return nil
        }
        i += 1
        skipBlanks()
        guard i < end, p[i] == UInt8(ascii: "\"") else {
          fail(p, at: i, "expected a quoted label value")
          return nil
        }
        i += 1
        if grow && count < 64 && i == nameStart + nameLen + 2 {
          previousNames[count] = (nameStart, nameLen, nameHash)
          if count >= previousNameCount { previousNameCount = count + 1 }
        }
      }
      let valueStart = i
      // The closing quote, sixteen bytes a step; a backslash means escapes,
      // which are then scanned byte by byte.
      var close = zt_find_quote_backslash_newline(p, i, end)
      if close == end || p[close] == 0x0A {
        fail(p, at: valueStart - 1, "label value has no closing quote")
        return nil
      }
      let escaped = p[close] == UInt8(ascii: "\\")
      if escaped {
        var k = close
        while k < end && p[k] != UInt8(ascii: "\"") && p[k] != 0x0A {
          k += p[k] == UInt8(ascii: "\\") && k + 1 < end && p[k + 1] != 0x0A ? 2 : 1
        }
        guard k < end, p[k] == UInt8(ascii: "\"") else {
          fail(p, at: valueStart - 1, "label value has no closing quote")
          return nil
        }
        close = k
      }
      if count == labelCapacity && grow {
        let bigger = UnsafeMutablePointer<LabelSpan>.allocate(capacity: labelCapacity * 2)
        bigger.moveInitialize(from: spans, count: count)
        spans.deallocate()
        spans = bigger
        labelCapacity *= 2
      } else if count == 64 && !grow {
        fail(p, at: nameStart, "too many labels in exemplar")
        return nil
      }
      // Offsets fit: `parse` refuses buffers of 2 GiB and more.
      spans[count] = LabelSpan(
        nameStart: Int32(truncatingIfNeeded: nameStart), nameLength: Int32(truncatingIfNeeded: nameLen),
        valueStart: Int32(truncatingIfNeeded: valueStart),
        valueLength: Int32(truncatingIfNeeded: close - valueStart), escaped: escaped)
      count += 1
      nameSequence = (nameSequence &* 31) &+ nameHash
      pairHashes = pairHashes &+ hashBytes(p + valueStart, close - valueStart, seed: nameHash)
      i = close + 1
      skipBlanks()
      guard i < end else {
        fail(p, at: i, "expected \",\" or \"}\" after label value")
        return nil
      }
      if p[i] == UInt8(ascii: ",") {
        i += 1
        if !isOM {
          skipBlanks()
          if i < end && p[i] == UInt8(ascii: "}") {
            i += 1
            break
          }
        }
        continue
      }
      if p[i] == UInt8(ascii: "}") {
        i += 1
        break
      }
      fail(p, at: i, "expected \",\" or \"}\" after label value")
      return nil
    }
    // Duplicate label names: a line with the same name sequence as the last
    // checked one needs no new check.
    if count > 1 && (nameSequence != lastNameSequenceHash || !grow) {
      if let a = Self.firstDuplicateName(p, spans, count, comparisons: &labelNameComparisons) {
        let la = spans[a]
        fail(
          p, at: Int(la.nameStart),
          "duplicate label name \"\(Sanitize.short(p, Int(la.nameStart), Int(la.nameStart + la.nameLength)))\"")
        return nil
      }
      if grow { lastNameSequenceHash = nameSequence }
    }
    return i
  }

  /// Label names compared byte for byte by the duplicate check so far (for tests: it
  /// grows linearly with the number of labels on a line, not with its square).
  public private(set) var labelNameComparisons = 0

  /// The index of the first label whose name an earlier label on the line has, or nil.
  ///
  /// Up to 16 labels every pair is compared (at most 120 short compares, nothing
  /// allocated: ordinary lines). A wider line goes through a table of the names'
  /// hashes, open addressing at most half full, so n labels cost O(n) compares and
  /// not n²/2: 50,000 labels on one line took 7.8 s before.
  static func firstDuplicateName(
    _ p: UnsafePointer<UInt8>, _ spans: UnsafePointer<LabelSpan>, _ count: Int, comparisons: inout Int
  ) -> Int? {
    @inline(__always) func same(_ a: Int, _ b: Int) -> Bool {
      let la = spans[a]
      let lb = spans[b]
      return la.nameLength == lb.nameLength
        && memcmp(p + Int(la.nameStart), p + Int(lb.nameStart), Int(la.nameLength)) == 0
    }
    if count <= 16 {
      for a in 1..<count {
        for b in 0..<a {
          comparisons += 1
          if same(a, b) { return a }
        }
      }
      return nil
    }
    var size = 32
    while size < 2 * count { size *= 2 }
    let mask = size - 1
    // (name hash, label index + 1); an index of 0 is an empty slot.
    let table = UnsafeMutablePointer<(hash: UInt64, index: Int32)>.allocate(capacity: size)
    defer { table.deallocate() }
    table.initialize(repeating: (0, 0), count: size)
    for a in 0..<count {
      let l = spans[a]
      let h = hashBytes(p + Int(l.nameStart), Int(l.nameLength))
      var slot = Int(truncatingIfNeeded: h) & mask
      while table[slot].index != 0 {
        if table[slot].hash == h {
          comparisons += 1
          if same(a, Int(table[slot].index) - 1) { return a }
        }
        slot = (slot + 1) & mask
      }
      table[slot] = (h, Int32(truncatingIfNeeded: a + 1))
    }
    return nil
  }

  /// Prometheus text 0.0.4 rules on label values and names (strict mode).
  private func checkPrometheusLabels(_ p: UnsafePointer<UInt8>) -> (Int, String)? {
    for k in 0..<labelCount {
      let l = labels[k]
      if l.nameLength == 8 && memcmp(p + Int(l.nameStart), "__name__", 8) == 0 {
        return (Int(l.nameStart), "label name \"__name__\" is reserved")
      }
      guard l.escaped else { continue }
      var i = Int(l.valueStart)
      let e = i + Int(l.valueLength)
      while i < e {
        if p[i] == UInt8(ascii: "\\") {
          let n = p[i + 1]
          if n != UInt8(ascii: "\\") && n != UInt8(ascii: "\"") && n != UInt8(ascii: "n") {
            return (
              i,
              "invalid escape sequence \"\\\(Sanitize.short(p, i + 1, i + 2))\" in label value: expected \\\\, \\\" or \\n"
            )
          }
          i += 2
        } else {
          i += 1
        }
      }
    }
    return nil
  }

  /// Parses `{labels} value [timestamp]` after " # "; returns an error or nil.
  private func parseExemplar(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> (Int, String)? {
    var i = from
    guard i < end, p[i] == UInt8(ascii: "{") else { return (i, "expected \"{\" to open the exemplar's labels") }
    var count = 0
    let before = summary.invalidLines
    let issuesBefore = summary.issues.count
    var unused: UInt64 = 0
    guard let after = parseLabels(p, i + 1, end, into: &exemplarLabels, count: &count, grow: false, pairHashes: &unused)
    else {
      // parseLabels already reported; undo its count so the caller reports once.
      summary.invalidLines = before
      let message =
        summary.issues.count > issuesBefore ? summary.issues.removeLast().message : "invalid exemplar labels"
      return (i, "exemplar: " + message)
    }
    var runes = 0
    for k in 0..<count {
      let l = exemplarLabels[k]
      runes += Self.runeCount(p, Int(l.nameStart), Int(l.nameStart + l.nameLength))
      runes += Self.runeCount(p, Int(l.valueStart), Int(l.valueStart + l.valueLength))
    }
    if runes > 128 { return (i, "exemplar labels are \(runes) characters long: at most 128 are allowed") }
    i = after
    guard i < end, p[i] == 0x20 else { return (i, "expected a space and a value after the exemplar's labels") }
    i += 1
    let vs = i
    while i < end && p[i] != 0x20 { i += 1 }
    guard NumberParsing.openMetricsValue(p, vs, i) != nil else { return (vs, "invalid exemplar value") }
    if i < end {
      i += 1
      let ts = i
      while i < end && p[i] != 0x20 { i += 1 }
      guard NumberParsing.openMetricsTimestamp(p, ts, i) != nil else { return (ts, "invalid exemplar timestamp") }
      if i < end || i == ts { return (i, "unexpected text after the exemplar") }
    }
    return nil
  }

  // MARK: - Character classes

  /// Whether `n` bytes at `a` and `b` are equal: word loads, no call.
  @inline(__always)
  static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let x = UnsafeRawPointer(a)
    let y = UnsafeRawPointer(b)
    if n >= 8 {
      var i = 0
      while i + 8 < n {
        if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
          return false
        }
        i += 8
      }
      return x.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        == y.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }
    if n >= 4 {
      return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
        && x.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
          == y.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
    }
    for k in 0..<n where a[k] != b[k] { return false }
    return true
  }

  /// Bit 1: metric name start, 2: label name char, 4: metric name char, 8: label name start.
  static let nameChar: [UInt8] = {
    var t = [UInt8](repeating: 0, count: 256)
    for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = 1 | 2 | 4 | 8 }
    for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = 1 | 2 | 4 | 8 }
    t[Int(UInt8(ascii: "_"))] = 1 | 2 | 4 | 8
    for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = 2 | 4 }
    t[Int(UInt8(ascii: ":"))] = 1 | 4
    return t
  }()

  static func isMetricName(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    guard start < end, nameChar[Int(p[start])] & 1 != 0 else { return false }
    for k in (start + 1)..<end where nameChar[Int(p[k])] & 4 == 0 { return false }
    return true
  }

  static func isMetricName(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { b in b.baseAddress.map { isMetricName($0, 0, b.count) } ?? false }
  }

  static func runeCount(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var n = 0
    for k in start..<end where p[k] & 0xC0 != 0x80 { n += 1 }
    return n
  }
}
