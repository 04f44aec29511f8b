import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic

/// The built executable, run as a user would: exit codes, stdout, stderr.
@Suite struct CLITests {
  let zonetop = Harness.binary

  @Test func helpForEveryCommand() throws {
    for cmd in [[], ["replay"], ["record"], ["snapshot"], ["validate"], ["extract"], ["live"]] {
      let (status, out, _) = try run(zonetop, cmd + ["--help"])
      #expect(status == 0, "\(cmd)")
      #expect(out.contains("USAGE"), "\(cmd)")
    }
  }

  @Test func aWindowShorterThanOneIntervalIsRefusedNamingTheInterval() throws {
    let demo = Harness.repo + "/Fixtures/demo/demo.ztrec.gz"
    let (status, out, err) = try run(zonetop, ["snapshot", demo, "--window", "2s"])
    #expect(status == 2 && out.isEmpty)
    #expect(err.contains("--window 2s is shorter than the recording's scrape interval (5s)"), "\(err)")
    let (ok, _, _) = try run(zonetop, ["snapshot", demo, "--window", "5s"])
    #expect(ok == 0)
  }

  @Test func noDataIsExitStatus3NeverADollarZeroSuccess() throws {
    let dir = Harness.tempDir("nodata")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let server = try FixtureServer()
    let dead = "http://127.0.0.1:9/metrics"
    for (args, reason) in [
      (["snapshot", dead, "--window", "1s"], "connection refused"),
      (["snapshot", server.url("/hostile/html"), "--window", "1s"], "not metrics: Content-Type text/html"),
      (["snapshot", "/etc/passwd"], "no valid sample: 1:"),
      (["snapshot", dir], "holds no scrapes"),
      (["record", dead, "--out", dir + "/dead.ztrec", "--interval", "1s", "--duration", "2s"], "connection refused"),
    ] {
      let (status, out, err) = try run(zonetop, args)
      #expect(status == 3, "\(args): \(err)")
      #expect(err.contains("no data") && err.contains(reason), "\(args): \(err)")
      #expect(!out.contains("$0.00"), "\(args)")
    }
    // Partial data: exit 0, a warning naming the target that gave none, and the counts in JSON.
    try "\(server.target(0))\n\(dead)\n".write(toFile: dir + "/targets.txt", atomically: true, encoding: .utf8)
    let (status, out, err) = try run(
      zonetop, ["snapshot", "--targets-file", dir + "/targets.txt", "--window", "1s", "--format", "json"])
    #expect(status == 0, "\(err)")
    #expect(err.contains("warning: 1 of 2 targets answered (no data from 127.0.0.1:9)"), "\(err)")
    #expect(out.contains("\"targets_total\":2,\"targets_up\":1,"))
    #expect(out.contains("\"status\":\"down\",\"scrapes\":0,\"failures\":2,\"last_error\":\"connection refused\""))
    let (_, table, _) = try run(zonetop, ["snapshot", Harness.demo])
    #expect(table.contains("12 of 12 targets answered"))
  }

  @Test func replaySpeedOutsideTheKeysRangeAndDumbTerminalsAreRefused() throws {
    for speed in ["0", "-1", "inf", "nan", "1e300", "65"] {
      let (status, _, err) = try run(zonetop, ["replay", Harness.demo, "--speed", speed])
      #expect(status == 2, "--speed \(speed): \(err)")
      #expect(err.contains("--speed"), "--speed \(speed): \(err)")
    }
    let (status, _, err) = try run(zonetop, ["replay", Harness.demo], environment: ["TERM": "dumb"])
    #expect(status == 1 && err.contains("TERM=dumb cannot draw the TUI"), "\(err)")
  }

  @Test func aWrongDirectoryGivesTenProblemsAndACountNotHundreds() throws {
    let dir = Harness.tempDir("wrongdir")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for i in 0..<30 { try "x\n".write(toFile: "\(dir)/notes-\(i).txt", atomically: true, encoding: .utf8) }
    let (status, _, err) = try run(zonetop, ["snapshot", dir])
    let lines = err.split(separator: "\n")
    #expect(status == 3)
    #expect(lines.filter { $0.contains("skipped: the name is not a scrape time") }.count == 10)
    #expect(err.contains("... and 20 more problems like these"))
    #expect(err.contains("no data: \(dir) holds no scrapes"))
  }

  @Test func absurdDurationsAndSizesGetTheOptionsOwnError() throws {
    let demo = Harness.repo + "/Fixtures/demo/demo.ztrec.gz"
    for (args, option) in [
      (["snapshot", demo, "--window", "inf"], "--window"), (["snapshot", demo, "--window", "1e20"], "--window"),
      (["snapshot", demo, "--window", "-5s"], "--window"),
      (["snapshot", "http://127.0.0.1:9/metrics", "--max-body-size", "99999999999GiB"], "--max-body-size"),
      (["snapshot", "http://127.0.0.1:9/metrics", "--max-body-size", "-1"], "--max-body-size"),
    ] {
      let (status, _, err) = try run(zonetop, args)
      #expect(status == 2, "\(args): \(err)")
      #expect(err.contains(option), "\(args): \(err)")
    }
  }

  @Test func validateExitCodes() throws {
    let (ok, out, _) = try run(zonetop, ["validate", "-"], stdin: "# TYPE a counter\na_total 1\n# EOF\n")
    #expect(ok == 0)
    #expect(out.contains("valid OpenMetrics 1.0, 1 samples"))
    // A path that is a pipe is read whole, then detected like standard input.
    let (piped, pipedOut, pipedErr) = try run(
      zonetop, ["validate", "/dev/stdin"], stdin: "# TYPE a counter\na_total 1\n# EOF\n")
    #expect(piped == 0, "\(pipedErr)")
    #expect(pipedOut.contains("/dev/stdin: valid OpenMetrics 1.0, 1 samples"))
    let (directory, _, directoryErr) = try run(zonetop, ["validate", Harness.repo + "/Fixtures"])
    #expect(directory == 1)
    #expect(directoryErr.contains("Fixtures: is a directory"))
    let bad = Harness.repo + "/Fixtures/invalid/bad_value.prom"
    let (status, _, err) = try run(zonetop, ["validate", bad])
    #expect(status == 1)
    #expect(err.contains("bad_value.prom:1:47: invalid value \"twelve\""))
    let (usage, _, usageErr) = try run(zonetop, ["validate"])
    #expect(usage == 2)
    #expect(!usageErr.isEmpty)
    let (missing, _, missingErr) = try run(zonetop, ["validate", "/nonexistent/file.prom"])
    #expect(missing == 1)
    #expect(missingErr.contains("/nonexistent/file.prom: no such file or directory"))
  }

  @Test func snapshotWritesCsvAtomicallyAndJsonParses() throws {
    let dir = Harness.tempDir("cli")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (status, _, err) = try run(
      zonetop, ["snapshot", Harness.demo, "--format", "csv", "--output", dir + "/zones.csv"])
    #expect(status == 0, "\(err)")
    let csv = String(decoding: try Files.read(dir + "/zones.csv"), as: UTF8.self)
    #expect(
      csv.hasPrefix(
        "window_start,window_end,source_region,source_zone,destination_region,destination_zone,scope,bytes,bytes_per_second,connections_opened,cost_usd,cost_usd_per_month\r\n"
      ))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["zones.csv"])  // no temporary left behind
    let (js, json, _) = try run(
      zonetop,
      [
        "snapshot", Harness.demo, "--format", "json", "--group-by", "region", "--pricing", "gcp", "--reporter",
        "source",
      ])
    #expect(js == 0)
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    #expect(doc["pricing_profile"] as? String == "gcp")
    #expect(doc["reporter_policy"] as? String == "source")
    let (tableStatus, table, _) = try run(
      zonetop, ["snapshot", Harness.demo, "--group-by", "workload", "--namespace", "payments"])
    #expect(tableStatus == 0)
    #expect(table.contains("payments/"))
    #expect(!table.contains("shop/frontend"))
  }

  @Test func badInputsGetClearErrors() throws {
    let (s1, _, e1) = try run(zonetop, ["snapshot", Harness.demo, "--pricing", "nowhere"])
    #expect(s1 != 0 && e1.contains("not aws, gcp or azure"))
    let (s2, _, e2) = try run(zonetop, ["snapshot", "/nonexistent"])
    #expect(s2 == 1 && e2.contains("/nonexistent"))
    let (s3, _, e3) = try run(
      zonetop, ["snapshot", Harness.demo, "--output", "/nonexistent-dir/x.csv", "--format", "csv"])
    #expect(s3 == 1 && e3.contains("cannot write"))
    let (s4, _, e4) = try run(
      zonetop, ["replay", Harness.repo + "/Fixtures/invalid/bad_value.prom"], environment: ["TERM": "dumb"])
    #expect(s4 != 0 && e4.contains("terminal"))
  }

  @Test func tornRecordingIsReportedAndWholeFramesKept() throws {
    let dir = Harness.tempDir("torn")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try demoPrefix(frames: Dictionary(uniqueKeysWithValues: try demoTargets().map { ($0, 3) }), to: dir + "/r.ztrec")
    var bytes = try Files.read(dir + "/r.ztrec")
    bytes.removeLast(1000)
    try Files.writeAtomically(bytes, to: dir + "/r.ztrec")
    let (status, out, err) = try run(zonetop, ["extract", dir + "/r.ztrec"])
    #expect(status == 0)
    #expect(err.contains("torn last frame ignored"))
    #expect(out.split(separator: "\n").count == 35)
  }

  @Test func closedStdoutEndsQuietly() throws {
    let shell = "\(zonetop) snapshot \(Harness.demo) --format csv | head -1"
    let (status, out, err) = try run("/bin/bash", ["-c", "set -o pipefail; " + shell])
    #expect(status == 0)
    #expect(out.hasPrefix("window_start,"))
    #expect(err.isEmpty)
  }

  @Test func extractGivesTheRawExpositionBack() throws {
    let (status, out, _) = try run(zonetop, ["extract", Harness.demo, "--frame", "0"])
    #expect(status == 0)
    let demo = try OfflineSource(path: Harness.demo)
    #expect(Array(out.utf8) == (try demo.body(of: demo.entries[0])))
  }
}
