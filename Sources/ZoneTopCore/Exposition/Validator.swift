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
  public static func validate(_ body: UnsafeRawBufferPointer, source: String, contentType: String? = nil,
                              format forced: ExpositionFormat? = nil) -> Result {
    let format = forced ?? ExpositionFormat.detect(contentType: contentType, body: body)
    let parser = ExpositionParser(format: format, mode: .strict)
    var sink = CountingSink()
    let summary = parser.parse(body, into: &sink)
    let place = Sanitize.visible(source)
    let problems = summary.issues.map { "\(place):\($0.line):\($0.column): \($0.message)" }
    return Result(source: source, format: format, samples: summary.samples, problems: problems)
  }
}
