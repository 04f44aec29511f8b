import ZoneTopExposition
import ZoneTopTraffic

/// `zonetop validate`: strict checking of one body, with `PATH:LINE:COL: message` problems.
public enum Validator {
  /// The outcome of validating one input.
  public struct Result: Sendable {
    public var source: String
    public var format: ExpositionFormat
    public var samples: Int
    public var problems: [String]
    public var isValid: Bool { problems.isEmpty }
  }

  /// Validates `body` strictly in the given or detected format.
  public static func validate(
    _ body: UnsafeRawBufferPointer, source: String, contentType: String? = nil,
    format forced: ExpositionFormat? = nil
  ) -> Result {
    let format = forced ?? ExpositionFormat.detect(contentType: contentType, body: body)
    let parser = ExpositionParser(format: format, mode: .strict)
    var sink = CountingSink()
    return result(parser.parse(body, into: &sink), source: source)
  }

  /// Validates a file strictly, read in 256 KiB pieces: memory does not grow with the
  /// file, and the bytes are parsed while they are still in the CPU cache.
  ///
  /// Without
  /// `format`, the format is detected from the file's head and tail.
  public static func validate(path: String, format forced: ExpositionFormat? = nil) throws(FileError) -> Result {
    try validate(file: try FileStream(path: path), format: forced)
  }

  /// Validates what `file` holds from its position on (standard input too), read in pieces.
  ///
  /// A pipe or a device (`-`, /dev/stdin, <(...)) is first copied to an unlinked temporary
  /// file, so that its head and tail can be looked at and memory stays bounded however
  /// long the input (it was read whole: reliability report D28).
  public static func validate(file input: FileStream, format forced: ExpositionFormat? = nil) throws(FileError)
    -> Result
  {
    let file = input.isRegularFile ? input : try input.spooled()
    let path = file.path
    var format = forced
    if try file.bytes(at: 0, count: 2).withUnsafeBytes({ Gzip.isGzip($0) }) {
      // A compressed scrape (`.prom.gz`, as scrape directories hold them): inflated whole, at most 1 GiB.
      let packed = try file.readAll()
      let text: [UInt8]
      do { text = try packed.withUnsafeBytes { try Gzip.inflate($0) } } catch {
        throw FileError(path: path, message: "\(error)")
      }
      return text.withUnsafeBytes { validate($0, source: path, format: forced) }
    }
    if format == nil {
      let head = try file.bytes(at: 0, count: ExpositionFormat.headSize)
      let tailStart = max(0, file.size - ExpositionFormat.headSize)
      let tail = tailStart == 0 ? head : try file.bytes(at: tailStart, count: ExpositionFormat.headSize)
      format = head.withUnsafeBytes { h in
        tail.withUnsafeBytes { t in
          ExpositionFormat.detect(contentType: nil, head: h, tail: t, tailIsWholeBody: tailStart == 0)
        }
      }
    }
    let parser = ExpositionParser(format: format ?? .prometheusText, mode: .strict)
    var sink = CountingSink()
    parser.begin()
    try file.forEachPiece { piece, isLast in parser.feed(piece, isLast: isLast, into: &sink) }
    return result(parser.finish(), source: path)
  }

  private static func result(_ summary: ParseSummary, source: String) -> Result {
    let place = Sanitize.visible(source)
    let problems = summary.issues.map { "\(place):\($0.line):\($0.column): \($0.message)" }
    return Result(source: source, format: summary.format, samples: summary.samples, problems: problems)
  }
}
