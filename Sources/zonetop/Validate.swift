import ArgumentParser
import Glibc
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// `zonetop validate PATH|URL...`: strict format checking like `promtool check metrics`.
struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check exposition text strictly (exit 0 if valid, 1 if not).",
    discussion: """
      Each problem is printed to stderr as PATH:LINE:COL: message. The format (Prometheus text 0.0.4 or \
      OpenMetrics 1.0) is detected from the content type or the text (OpenMetrics ends with \"# EOF\"), or \
      forced with --format; files named *.om or *.om.txt are read as OpenMetrics. Use - to read standard input.
      """
  )

  @Argument(help: "Files, - for standard input, or http(s) URLs.")
  var inputs: [String]

  @Option(help: "Force the format: auto, prom (text 0.0.4) or openmetrics.")
  var format: FormatChoice = .auto

  @Flag(name: .shortAndLong, help: "Print only problems.")
  var quiet = false

  enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, prom, openmetrics
    var format: ExpositionFormat? {
      switch self {
      case .auto: nil
      case .prom: .prometheusText
      case .openmetrics: .openMetrics
      }
    }
  }

  func validate() throws {
    if inputs.isEmpty { throw ValidationError("give at least one file or URL") }
  }

  func run() throws {
    var allValid = true
    for input in inputs {
      let result: Validator.Result
      do {
        result = try check(input)
      } catch let error as FileError {
        printError("\(Sanitize.visible(input)): \(error.message)")
        allValid = false
        continue
      } catch {
        printError("\(Sanitize.visible(input)): \(error)")
        allValid = false
        continue
      }
      for problem in result.problems { printError(problem) }
      if result.isValid {
        if !quiet {
          print(
            "\(Sanitize.visible(input)): valid \(result.format == .openMetrics ? "OpenMetrics 1.0" : "Prometheus text 0.0.4"), \(result.samples) samples"
          )
        }
      } else {
        allValid = false
      }
    }
    if !allValid { throw ExitCode(1) }
  }

  private func check(_ input: String) throws -> Validator.Result {
    if input.hasPrefix("http://") || input.hasPrefix("https://") {
      let body = try fetchForValidation(input)
      return body.bytes.withUnsafeBytes {
        Validator.validate($0, source: input, contentType: body.contentType, format: format.format)
      }
    }
    if input == "-" {
      return try Validator.validate(file: try FileStream.standardInput(), format: format.format)
    }
    let byName: ExpositionFormat? =
      [".om", ".om.txt", ".openmetrics"].contains { input.hasSuffix($0) } ? .openMetrics : nil
    return try Validator.validate(path: input, format: format.format ?? byName)
  }
}

func printError(_ message: String) {
  var line = message
  line += "\n"
  line.utf8CString.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count - 1) }
}

/// Writes to stdout with no buffering; a closed pipe ends the process quietly.
func writeStdout(_ text: String) {
  var bytes = Array(text.utf8)
  let ok = bytes.withUnsafeMutableBytes { Files.writeAll(1, UnsafeRawBufferPointer($0)) }
  if !ok { exit(errno == EPIPE ? 0 : 1) }
}

/// Problems on stderr, the first `limit` of them and then how many more (a wrong directory
/// can hold thousands of files that are not scrapes).
func printProblems(_ problems: [String], limit: Int = 10) {
  for p in problems.prefix(limit) { printError("zonetop: \(p)") }
  if problems.count > limit { printError("zonetop: ... and \(problems.count - limit) more problems like these") }
}
