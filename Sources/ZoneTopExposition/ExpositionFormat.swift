import Glibc

/// The two text formats zonetop reads.
public enum ExpositionFormat: String, Sendable, CaseIterable {
  /// Prometheus text format 0.0.4.
  case prometheusText = "text/0.0.4"
  /// OpenMetrics 1.0 text.
  case openMetrics = "openmetrics/1.0"

  /// The format named by an HTTP `Content-Type`, or nil when it does not say.
  public static func fromContentType(_ contentType: String?) -> ExpositionFormat? {
    guard let ct = contentType?.lowercased() else { return nil }
    if ct.contains("application/openmetrics-text") { return .openMetrics }
    return nil
  }

  /// Detects the format of a whole body.
  ///
  /// OpenMetrics when the content type says
  /// so, or when the text ends with `# EOF` (ztunnel labels OpenMetrics as
  /// `text/plain`) and its metadata is not Prometheus-style: Prometheus' own
  /// test data ends text 0.0.4 with `# EOF` too, but types counters by their
  /// `_total` sample name or as `untyped`, which OpenMetrics forbids, and text
  /// with no TYPE line at all is read as Prometheus text. Only the first 64 KiB
  /// are searched for metadata.
  public static func detect(contentType: String?, body: UnsafeRawBufferPointer) -> ExpositionFormat {
    detect(
      contentType: contentType, head: UnsafeRawBufferPointer(rebasing: body[0..<min(body.count, headSize)]),
      tail: body, tailIsWholeBody: true)
  }

  /// How much of the start of a body `detect` reads for metadata.
  public static let headSize = 1 << 16

  /// Detects the format from the first `headSize` bytes of a body and its last bytes
  /// (`tail`; the whole body when `tailIsWholeBody`), for a body read in pieces.
  public static func detect(
    contentType: String?, head: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer,
    tailIsWholeBody: Bool
  ) -> ExpositionFormat {
    if let declared = fromContentType(contentType) { return declared }
    guard endsWithEOF(tail, isWholeBody: tailIsWholeBody) else { return .prometheusText }
    var sawType = false
    for line in head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
      guard line.first == UInt8(ascii: "#") else { continue }
      let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
      guard words.count >= 3 else { continue }
      let keyword = String(decoding: words[1], as: UTF8.self)
      guard keyword == "TYPE", words.count >= 4 else { continue }
      let type = String(decoding: words[3], as: UTF8.self)
      sawType = true
      if type == "untyped" { return .prometheusText }
      if type == "counter" && String(decoding: words[2], as: UTF8.self).hasSuffix("_total") {
        return .prometheusText
      }
    }
    return sawType ? .openMetrics : .prometheusText
  }

  private static func endsWithEOF(_ body: UnsafeRawBufferPointer, isWholeBody: Bool) -> Bool {
    var end = body.count
    while end > 0,
      body[end - 1] == UInt8(ascii: "\n") || body[end - 1] == UInt8(ascii: "\r") || body[end - 1] == UInt8(ascii: " ")
    {
      end -= 1
    }
    let marker: [UInt8] = Array("# EOF".utf8)
    guard end >= marker.count else { return false }
    let start = end - marker.count
    if start > 0 ? body[start - 1] != UInt8(ascii: "\n") : !isWholeBody { return false }
    for k in 0..<marker.count where body[start + k] != marker[k] { return false }
    return true
  }
}

/// How the parser treats invalid input.
public enum ParseMode: Sendable {
  /// Reject everything the specifications reject (`zonetop validate`).
  case strict
  /// Skip and count invalid lines, keep every valid sample (live and replayed data).
  case lenient
}

/// The metric types of both formats (`untyped` is Prometheus text's `unknown`).
public enum MetricType: String, Sendable {
  case counter, gauge, histogram, gaugehistogram, summary, stateset, info, unknown, untyped
}

/// One problem found in exposition text, at a 1-based line and column.
public struct ParseIssue: Sendable, Equatable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "\(line):\(column): \(message)" }
}

/// One label of a sample, as byte offsets into the parsed buffer.
public struct LabelSpan: Sendable {
  public var nameStart: Int32
  public var nameLength: Int32
  public var valueStart: Int32
  public var valueLength: Int32
  /// The raw value holds backslash escapes; decode with `SampleRef.decodedValue(_:)`.
  public var escaped: Bool
}

/// A parsed sample: views into the input, valid only during the sink call.
public struct SampleRef {
  /// Start of the parsed buffer; all offsets are relative to it.
  public let base: UnsafePointer<UInt8>
  public let nameStart: Int
  public let nameEnd: Int
  public let labels: UnsafeBufferPointer<LabelSpan>
  public let value: Double
  /// The exact value when it was written as a plain unsigned integer.
  public let exactValue: UInt64?
  /// Milliseconds since the epoch, when the sample had a timestamp.
  public let timestampMs: Int64?
  /// Order-independent hash of the metric name and the label set.
  public let seriesHash: UInt64
  /// 1-based line number.
  public let line: Int

  /// The metric name's bytes.
  @inline(__always)
  public var name: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: base + nameStart, count: nameEnd - nameStart)
  }

  /// Whether the metric name equals `other`.
  @inline(__always)
  public func nameEquals(_ other: StaticBytes) -> Bool { other.equals(base + nameStart, nameEnd - nameStart) }

  /// The raw (still escaped) bytes of a label's name.
  @inline(__always)
  public func labelName(_ l: LabelSpan) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: base + Int(l.nameStart), count: Int(l.nameLength))
  }

  /// The label value with escapes resolved.
  public func decodedValue(_ l: LabelSpan) -> [UInt8] {
    let raw = UnsafeBufferPointer(start: base + Int(l.valueStart), count: Int(l.valueLength))
    guard l.escaped else { return Array(raw) }
    return LabelEscaping.unescape(raw)
  }
}

/// A byte string known at compile time, for comparisons on the hot path.
public struct StaticBytes: Sendable, Hashable {
  public let bytes: [UInt8]
  public init(_ s: String) { bytes = Array(s.utf8) }
  @inline(__always)
  public func equals(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    guard n == bytes.count else { return false }
    // Force unwrap: n == bytes.count, and memcmp of 0 bytes reads nothing.
    // swift-format-ignore: NeverForceUnwrap
    return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, p, n) == 0 }
  }
}

/// Receives each valid sample the parser reads.
public protocol SampleSink {
  mutating func consume(_ sample: SampleRef)
}

/// A sink that only counts (validation).
public struct CountingSink: SampleSink {
  public var samples = 0
  public init() {}
  @inline(__always) public mutating func consume(_ sample: SampleRef) { samples += 1 }
}

/// The result of parsing one body.
public struct ParseSummary: Sendable {
  public var format: ExpositionFormat
  public var samples = 0
  public var invalidLines = 0
  public var lines = 0
  /// Problems found: at most `ExpositionParser.maxIssues` in lenient mode, and
  /// `maxStrictIssues` and a line saying there are more in strict mode.
  public var issues: [ParseIssue] = []
  public var isValid: Bool { issues.isEmpty && invalidLines == 0 }
}

/// Escape handling for label values and HELP text.
public enum LabelEscaping {
  /// Resolves `\\`, `\"` and `\n`; any other escape is kept as written.
  public static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
      let c = raw[i]
      if c == UInt8(ascii: "\\") && i + 1 < raw.count {
        let n = raw[i + 1]
        switch n {
        case UInt8(ascii: "\\"): out.append(n)
        case UInt8(ascii: "\""): out.append(n)
        case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
        default:
          out.append(c)
          out.append(n)
        }
        i += 2
      } else {
        out.append(c)
        i += 1
      }
    }
    return out
  }
}
