import Foundation
import Testing

/// `zonetop diff` and the CI gates through the real binary: output, exit codes, reasons.
@Suite struct DiffCLITests {
  static let before = Harness.repo + "/Fixtures/diff/before.ztrec.gz"
  static let after = Harness.repo + "/Fixtures/diff/after.ztrec.gz"

  @Test func diffPrintsTheSummaryAndTheCostliestChangeFirst() throws {
    let (status, out, err) = try run(Harness.binary, ["diff", Self.before, Self.after])
    #expect(status == 0, "\(err)")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines[0].hasPrefix("Before 2025-03-03T10:00:00Z to 2025-03-03T10:02:00.407Z (2m)"), "\(out)")
    #expect(lines[1].hasPrefix("After  2025-03-04T10:00:00Z"), "\(out)")
    #expect(lines[2].hasPrefix("cross-zone ") && lines[2].contains("/month -> $"), "\(out)")
    #expect(lines[3].hasPrefix("SOURCE REGION  SOURCE ZONE"), "\(out)")
    #expect(lines[4].contains("cross-zone") && lines[4].hasSuffix("-$74.23"), "\(out)")
    let (s2, csv, _) = try run(
      Harness.binary, ["diff", Self.before, Self.after, "--group-by", "service", "--format", "csv"])
    #expect(s2 == 0)
    #expect(csv.hasPrefix("destination_service,before_bytes_per_second,"))
  }

  @Test func gatesExitOneWithAReason() throws {
    // The change cut the crossing cost: no gate at 0% increase, none at a high limit.
    let (ok, _, okErr) = try run(
      Harness.binary, ["diff", Self.before, Self.after, "--fail-if-increase", "0", "--fail-above", "100000"])
    #expect(ok == 0, "\(okErr)")
    // Reversed, the cost rose by 5.2%.
    let (rose, _, why) = try run(Harness.binary, ["diff", Self.after, Self.before, "--fail-if-increase", "1"])
    #expect(rose == 1)
    #expect(
      why.contains("cross-zone and cross-region cost rose 5.2% ") && why.contains("more than --fail-if-increase 1.0%"),
      "\(why)")
    let (above, _, why2) = try run(Harness.binary, ["diff", Self.before, Self.after, "--fail-above", "1000"])
    #expect(above == 1 && why2.contains("is above --fail-above $1,000.00"), "\(why2)")
    let (snap, _, why3) = try run(Harness.binary, ["snapshot", Self.before, "--fail-above", "10"])
    #expect(snap == 1 && why3.contains("/month is above --fail-above $10.00"), "\(why3)")
    let (snapOK, _, _) = try run(Harness.binary, ["snapshot", Self.before, "--fail-above", "100000"])
    #expect(snapOK == 0)
  }

  @Test func noDataIsExitThreeAndBadWindowsAreRefused() throws {
    let empty = Harness.tempDir("diff-empty")
    defer { try? FileManager.default.removeItem(atPath: empty) }
    let (status, _, err) = try run(Harness.binary, ["diff", empty, Self.after])
    #expect(status == 3 && err.contains("before: no data:"), "\(err)")
    let (s2, _, e2) = try run(
      Harness.binary, ["diff", Self.before, "--from", "start+1m", "--to", "+30s", "--from", "+1m", "--to", "end"])
    #expect(s2 == 1 && e2.contains("is not before --to"), "\(e2)")
    let (s3, _, e3) = try run(Harness.binary, ["diff", Self.before])
    #expect(s3 == 2 && e3.contains("give two windows"), "\(e3)")
    let (s4, out4, e4) = try run(
      Harness.binary, ["diff", Self.before, "--from", "start", "--to", "start+1m", "--from", "start+1m", "--to=-0s"])
    #expect(s4 == 0 && out4.contains("Before 2025-03-03T10:00:00Z"), "\(e4)")
  }

  @Test func findingsAreMarkdown() throws {
    let (status, md, err) = try run(Harness.binary, ["snapshot", Self.before, "--format", "findings"])
    #expect(status == 0, "\(err)")
    #expect(md.hasPrefix("# Cross-zone and cross-region cost: findings\n"))
    #expect(md.contains("| # | source workload | destination service | USD/month |"))
    #expect(md.contains("- suggestion: routing preference unknown (run `snapshot --kube` to read it)"))
  }
}
