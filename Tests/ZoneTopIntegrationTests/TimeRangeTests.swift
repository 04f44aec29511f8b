import Foundation
import Testing
import ZoneTopExposition
import ZoneTopTraffic

/// `--from`/`--to` for `snapshot` and `replay`: a window of a recording, and errors that say why not.
@Suite struct TimeRangeTests {
  let zonetop = Harness.binary
  let demo = Harness.repo + "/Fixtures/demo/demo.ztrec.gz"

  @Test func snapshotTakesTheScrapesBetweenFromAndTo() throws {
    let (status, out, err) = try run(
      zonetop, ["snapshot", demo, "--from", "start+1m", "--to", "start+3m", "--format", "json"])
    #expect(status == 0, "\(err)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    let start = try #require((doc["window_start"] as? String).flatMap(RFC3339.parse))
    let end = try #require((doc["window_end"] as? String).flatMap(RFC3339.parse))
    #expect(end - start <= 120_000 && end - start >= 110_000, "\(start) \(end)")
    // The same window by absolute times gives the same rows.
    let (_, all, _) = try run(zonetop, ["snapshot", demo, "--format", "json", "--to", "start+3m"])
    let whole = try #require(try JSONSerialization.jsonObject(with: Data(all.utf8)) as? [String: Any])
    #expect((whole["window_end"] as? String) == (doc["window_end"] as? String))
    let (ns, csv, _) = try run(
      zonetop,
      [
        "snapshot", demo, "--from", RFC3339.format(ms: start), "--to", RFC3339.format(ms: end), "--format", "csv",
        "--group-by", "namespace",
      ])
    #expect(ns == 0 && csv.hasPrefix("window_start,window_end,side,namespace,bytes,"))
    #expect(csv.contains("\(RFC3339.format(ms: start)),\(RFC3339.format(ms: end)),source,"))
  }

  @Test func badRangesSayWhy() throws {
    let (s1, _, e1) = try run(zonetop, ["snapshot", demo, "--from", "end", "--to", "start"])
    #expect(s1 == 2 && e1.contains("is not before --to"), "\(e1)")
    let (s2, _, e2) = try run(
      zonetop, ["replay", demo, "--from", "2000-01-01T00:00:00Z", "--to", "2000-01-01T00:10:00Z"])
    #expect(s2 == 2 && e2.contains("is outside \(demo), whose scrapes span "), "\(e2)")
    let (s3, _, e3) = try run(zonetop, ["snapshot", "http://127.0.0.1:9/metrics", "--from", "start"])
    #expect(s3 == 2 && e3.contains("--from and --to take a window of a recording or directory"), "\(e3)")
    let (s4, _, e4) = try run(zonetop, ["snapshot", demo, "--from", "soon"])
    #expect(s4 == 2 && e4.contains("soon"), "\(e4)")
  }
}
