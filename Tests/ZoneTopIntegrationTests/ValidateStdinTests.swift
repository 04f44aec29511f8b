import Foundation
import Testing

/// Reliability report D28: `zonetop validate -` read the whole pipe into memory (500 MB of
/// one repeated line took 3.0 GB); the input is now spooled to an unlinked temporary file.
@Suite struct ValidateStdinTests {
  static var time: String? { FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil }

  /// 120 MB through a pipe: peak memory stays far below the input's size, and the problems are still found.
  @Test(.enabled(if: time != nil, "/usr/bin/time is not installed: skipped"), .timeLimit(.minutes(2)))
  func aLongPipeIsValidatedInBoundedMemory() throws {
    let line = #"istio_tcp_received_bytes_total{a="b"} 1"#
    let dir = Harness.tempDir("validate-pipe")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Only the last lines of stderr are kept (10,001 problem lines would fill the pipe).
    let (status, err, _) = try run(
      "/bin/sh",
      [
        "-c",
        "yes '\(line)' | head -c 120000000 | /usr/bin/time -o '\(dir)/time' -f 'peak_rss_kb=%M' "
          + "'\(Harness.binary)' validate - -q 2>&1 | tail -n 2; cat '\(dir)/time'",
      ])
    #expect(status == 0, "\(err)")
    #expect(err.contains("<stdin>:"), "problems are named by line: \(err)")
    #expect(err.contains("more than 10000 problems: the rest are not listed"), "\(err)")
    let rss = try #require(err.split(separator: "\n").last { $0.hasPrefix("peak_rss_kb=") })
    let kb = try #require(Int(rss.dropFirst("peak_rss_kb=".count)))
    print("validate - of 120 MB through a pipe: peak RSS \(kb / 1024) MiB")
    #expect(kb < 80 * 1024, "peak RSS \(kb) KiB for 120 MB of input")
  }

  /// What a pipe holds is validated like the same file: format detected from its tail, samples counted.
  @Test func aPipeIsValidatedLikeTheFile() throws {
    let scrape = Harness.repo + "/Fixtures/demo/scrapes/gke-use1-c-2/1740996000111.prom.gz"
    let (fileStatus, fileOut, _) = try run(Harness.binary, ["validate", scrape])
    let (status, out, err) = try run("/bin/sh", ["-c", "gzip -dc '\(scrape)' | '\(Harness.binary)' validate -"])
    #expect(status == 0 && fileStatus == 0, "\(err)")
    let summary = { (s: String) in s.split(separator: ":", maxSplits: 1).last.map(String.init) ?? "" }
    #expect(out.hasPrefix("-: valid OpenMetrics 1.0, "), "\(out)")
    #expect(summary(out) == summary(fileOut), "pipe: \(out) file: \(fileOut)")
  }
}
