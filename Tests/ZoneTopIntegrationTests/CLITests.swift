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

  @Test func validateReadsGzipAndSaysWhereABadOneIsWrong() throws {
    let scrape = Harness.repo + "/Fixtures/demo/scrapes/gke-use1-c-2/1740996000111.prom.gz"
    let (status, out, err) = try run(zonetop, ["validate", scrape])
    #expect(status == 0, "\(err)")
    #expect(out.contains("1740996000111.prom.gz: valid"), "\(out)")
    let dir = Harness.tempDir("gzvalidate")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let bad = dir + "/bad.prom"
    try FileManager.default.copyItem(atPath: Harness.repo + "/Fixtures/invalid/bad_value.prom", toPath: bad)
    _ = try run("/bin/gzip", [bad])
    let (badStatus, _, badErr) = try run(zonetop, ["validate", bad + ".gz"])
    #expect(badStatus == 1)
    #expect(badErr.contains("bad.prom.gz:1:47: invalid value \"twelve\""), "\(badErr)")
  }

  @Test func anIntervalTooShortForATimeoutIsRefused() throws {
    let (status, _, err) = try run(zonetop, ["snapshot", "http://127.0.0.1:9/metrics", "--interval", "1ms"])
    #expect(status == 2 && err.contains("--interval 1ms: at least 100ms"), "\(err)")
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

  /// D22 and D23: a negative or absurd value gets the option's own error and the usage of the
  /// subcommand that refused it, never "Missing value" or the root's usage.
  @Test func negativeAndNonsenseValuesGetTheirOwnErrorAndTheSubcommandsUsage() throws {
    let dead = "http://127.0.0.1:9/metrics"
    for (args, message) in [
      (["snapshot", dead, "--interval", "-5s"], "The value '-5s' is invalid for '--interval <interval>'"),
      (["replay", Harness.demo, "--speed", "-1"], "--speed -1.0: expected a speed from 0.25 to 64"),
      (["snapshot", Harness.demo, "--threads", "-1"], "--threads -1: expected 1 to 256"),
      (["snapshot", Harness.demo, "--threads", "0"], "--threads 0: expected 1 to 256"),
      (["snapshot", dead, "--max-body-size", "0"], "--max-body-size 0: at least 1KiB"),
      (["snapshot", dead, "--max-body-size", "1"], "--max-body-size 1: at least 1KiB"),
      (["snapshot", dead, "--max-series-per-target", "0"], "--max-series-per-target 0: at least 1"),
      (["snapshot", "http://"], "http://: the URL has no host"),
      (["snapshot", "http://:15020/metrics"], "the URL has no host"),
      (["snapshot", Harness.demo, "--pricing", "nope"], "pricing \"nope\""),
      (["snapshot", dead, "--header", "bad header"], "--header \"bad header\": expected 'Name: value'"),
      (["record", "--out", "/tmp/zonetop-never.ztrec"], "give at least one URL"),
    ] {
      let (status, out, err) = try run(zonetop, args)
      let command = args[0]
      #expect(status == 2 && out.isEmpty, "\(args): \(err)")
      #expect(err.contains(message), "\(args): \(err)")
      #expect(!err.contains("Missing value"), "\(args): \(err)")
      #expect(err.contains("Usage: zonetop \(command) "), "\(args): \(err)")
      #expect(err.contains("See 'zonetop \(command) --help'"), "\(args): \(err)")
    }
    let (frame, _, frameErr) = try run(zonetop, ["extract", Harness.demo, "--frame", "-1"])
    #expect(frame == 1 && frameErr.contains("frame -1 does not exist"), "\(frameErr)")
  }

  /// D22: `--version`, the live options in the top-level help, and no options in `snapshot --help`
  /// that do nothing there.
  @Test func versionAndHelpSayWhatEachCommandTakes() throws {
    let (status, out, _) = try run(zonetop, ["--version"])
    #expect(status == 0 && out.hasPrefix("zonetop "), "\(out)")
    let (_, help, _) = try run(zonetop, ["--help"])
    #expect(help.contains("SUBCOMMANDS:") && help.contains("LIVE OPTIONS"))
    for option in ["--interval", "--window", "--record", "--prometheus", "--kube"] {
      #expect(help.contains(option), "\(option)")
    }
    for args in [["snapshot", "--help"], ["help", "snapshot"]] {
      let (ok, snapshotHelp, _) = try run(zonetop, args)
      #expect(ok == 0 && snapshotHelp.contains("--group-by") && snapshotHelp.contains("--timeout"), "\(args)")
      #expect(!snapshotHelp.contains("--interval") && !snapshotHelp.contains("--kube-relist"), "\(args)")
    }
  }

  /// D25: the frame list has a header and no trailing tab; a failed frame says so with its error;
  /// a plain exposition file is not listed as a recording; --frame with --to-directory is refused.
  @Test func extractSaysWhatEachFrameIs() throws {
    let (status, list, _) = try run(zonetop, ["extract", Harness.demo])
    #expect(status == 0)
    let lines = list.split(separator: "\n")
    #expect(lines.first == "FRAME\tTIME\tSTATUS\tTARGET\tERROR")
    #expect(!lines.contains { $0.hasSuffix("\t") })
    let failed = try #require(lines.dropFirst().first { $0.split(separator: "\t")[2] != "200" })
    let fields = failed.split(separator: "\t").map(String.init)
    #expect(fields.count == 5, "\(failed)")
    let (frame, out, err) = try run(zonetop, ["extract", Harness.demo, "--frame", fields[0]])
    #expect(frame == 1 && out.isEmpty, "\(err)")
    #expect(err.contains("frame \(fields[0]) is a failed scrape of \(fields[3]) (\(fields[4]))"), "\(err)")
    let plain = Harness.repo + "/Fixtures/invalid/bad_value.prom"
    let (file, fileOut, fileErr) = try run(zonetop, ["extract", plain])
    #expect(
      file == 1 && fileOut.isEmpty && fileErr.contains("not a recording (a single exposition file)"), "\(fileErr)")
    let (both, _, bothErr) = try run(zonetop, ["extract", Harness.demo, "--frame", "0", "--to-directory", "/tmp/x"])
    #expect(both == 2 && bothErr.contains("not both") && bothErr.contains("Usage: zonetop extract"), "\(bothErr)")
  }

  /// D26: a .gz recording name is refused (recordings are appended uncompressed), and the summary
  /// counts in the singular when there is one.
  @Test func recordRefusesGzipNamesAndCountsInWords() throws {
    let dir = Harness.tempDir("record-gz")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let server = try FixtureServer()
    for args in [
      ["record", server.target(0), "-o", dir + "/x.ztrec.gz", "--duration", "1s"],
      ["live", server.target(0), "--record", dir + "/x.gz"],
    ] {
      let (status, _, err) = try run(zonetop, args)
      #expect(status == 2 && err.contains("recordings are written uncompressed"), "\(args): \(err)")
    }
    #expect(!FileManager.default.fileExists(atPath: dir + "/x.ztrec.gz"))
    let (status, _, err) = try run(
      zonetop, ["record", server.target(0), "-o", dir + "/r.ztrec", "--interval", "1s", "--duration", "1500ms"])
    #expect(status == 0, "\(err)")
    #expect(err.contains(" of 1 target (1 up at the end)"), "\(err)")
    #expect(!err.contains(" 1 rounds") && !err.contains("1 targets"), "\(err)")
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

  /// `-o` writes what the path names without replacing it: a FIFO's reader, a symlink's target,
  /// a device, the process's own stdout; a new path is created.
  @Test func snapshotOutputWritesFIFOsLinksAndDevicesInPlace() throws {
    let dir = Harness.tempDir("out")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let args = ["snapshot", Harness.demo, "--format", "csv"]
    let (status, expected, _) = try run(zonetop, args)
    #expect(status == 0 && expected.hasPrefix("window_start,"))
    func kind(_ path: String) -> mode_t {
      var st = stat()
      return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    #expect(mkfifo(dir + "/fifo", 0o600) == 0)
    let reader = try FIFOReader(path: dir + "/fifo")
    let (fifoStatus, _, fifoErr) = try run(zonetop, args + ["-o", dir + "/fifo"])
    let got = String(decoding: reader.finish(), as: UTF8.self)
    #expect(fifoStatus == 0, "\(fifoErr)")
    #expect(got == expected)
    #expect(kind(dir + "/fifo") == S_IFIFO)

    try Files.writeAtomically(Array("precious\n".utf8), to: dir + "/precious")
    symlink("precious", dir + "/link")
    let (linkStatus, _, linkErr) = try run(zonetop, args + ["-o", dir + "/link"])
    #expect(linkStatus == 0, "\(linkErr)")
    #expect(kind(dir + "/link") == S_IFLNK)
    #expect(String(decoding: try Files.read(dir + "/precious"), as: UTF8.self) == expected)

    let null = nullDevice(in: dir)
    var before = stat()
    #expect(stat(null, &before) == 0)
    let (nullStatus, nullOut, nullErr) = try run(zonetop, args + ["-o", null])
    var after = stat()
    #expect(nullStatus == 0 && nullOut.isEmpty, "\(nullErr)")
    #expect(lstat(null, &after) == 0 && after.st_mode & S_IFMT == S_IFCHR && after.st_rdev == before.st_rdev)

    let (fdStatus, fdOut, fdErr) = try run(zonetop, args + ["-o", "/dev/fd/1"])
    #expect(fdStatus == 0 && fdOut == expected, "\(fdErr)")

    let (newStatus, _, _) = try run(zonetop, args + ["-o", dir + "/new.csv"])
    #expect(newStatus == 0)
    #expect(kind(dir + "/new.csv") == S_IFREG)
    #expect(String(decoding: try Files.read(dir + "/new.csv"), as: UTF8.self) == expected)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(names == (["fifo", "link", "new.csv", "precious"] + (null.hasPrefix(dir) ? ["null"] : [])).sorted())
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
    #expect(out.split(separator: "\n").count == 36)  // a header row and 35 frames
  }

  /// Reliability report D4 and D13: a header with `length=9223372036854775807`, or a frame at a
  /// time near Int64's ends, crashed snapshot, extract and `record --out`; now a problem each.
  @Test func hostileRecordingHeadersAreReportedNotACrash() throws {
    let dir = Harness.tempDir("hostile")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let demo = try OfflineSource(path: Harness.demo)
    let first = demo.entries[0]
    let body = try demo.body(of: first)
    func frame(_ timeMs: Int64, _ target: String = first.target) -> [UInt8] {
      RecordingFormat.encode(Frame(target: target, timeMs: timeMs, status: 200, body: body))
    }
    let huge = Array(
      "@frame v1 time_ms=\(first.timeMs + 5000) status=200 length=9223372036854775807 crc32c=00000000 target=x\nabc\n"
        .utf8)
    try Files.writeAtomically(RecordingFormat.magic + frame(first.timeMs) + huge, to: dir + "/length.ztrec")
    for command in ["snapshot", "extract"] {
      let (status, _, err) = try run(zonetop, [command, dir + "/length.ztrec"])
      #expect(status == 0, "\(command): \(err)")
      #expect(err.contains("torn last frame ignored (body has 4 of 9223372036854775807 bytes); 1 whole frames kept"))
    }
    let (recorded, _, recordErr) = try run(
      zonetop, ["record", "http://127.0.0.1:9/metrics", "--out", dir + "/length.ztrec", "--duration", "1s"])
    // Every scrape of that dead target fails: no data (exit 3), but the file is appended to intact.
    #expect(recorded == 3, "\(recordErr)")
    #expect(recordErr.contains("recorded "))
    let (listed, list, listErr) = try run(zonetop, ["extract", dir + "/length.ztrec"])
    #expect(listed == 0 && listErr.isEmpty, "\(listErr)")
    #expect(list.hasPrefix("FRAME\tTIME\tSTATUS\tTARGET\tERROR\n0\t\(RFC3339.format(ms: first.timeMs))\t200\t"))

    let extremes = RecordingFormat.magic + frame(.min) + frame(first.timeMs) + frame(first.timeMs + 5000) + frame(.max)
    try Files.writeAtomically(extremes, to: dir + "/times.ztrec")
    for extra in [[], ["--format", "json"], ["--window", "5m"]] {
      let (status, out, err) = try run(zonetop, ["snapshot", dir + "/times.ztrec"] + extra)
      #expect(status == 0, "\(extra): \(err)")
      #expect(!out.isEmpty)
      #expect(err.contains("time_ms=-9223372036854775808 is outside 2000-01-01 to 2200-01-01"), "\(err)")
      #expect(err.contains("time_ms=9223372036854775807 is outside 2000-01-01 to 2200-01-01"), "\(err)")
    }
  }

  /// Reliability report D5: one value of `+Inf` or `1e30`, or a timestamp of 1e300, in a
  /// Prometheus API answer crashed `snapshot --prometheus`.
  @Test func prometheusAnswersWithAbsurdNumbersDoNotCrashSnapshot() throws {
    let dir = Harness.tempDir("promapi")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/api/v1", withIntermediateDirectories: true)
    // A static server: every query (one for all four families) gets the file api/v1/query.
    let server = try Child(
      Harness.which("python3") ?? "/usr/bin/python3",
      ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir])
    guard let line = server.waitForLine(prefix: "Serving HTTP on 127.0.0.1 port "),
      let port = line.split(separator: " ").dropFirst(5).first.flatMap({ Int($0) })
    else { throw HarnessError(message: "http.server did not start") }
    let metric =
      #"{"reporter":"source","source_workload":"a","source_workload_namespace":"ns","destination_workload":"b","#
      + #""destination_workload_namespace":"ns","destination_service":"b","source_region":"r1","source_zone":"z1","#
      + #""destination_region":"r1","destination_zone":"z2"}"#
    let families = [
      "istio_tcp_received_bytes_total", "istio_tcp_sent_bytes_total", "istio_tcp_connections_opened_total",
      "istio_tcp_connections_closed_total",
    ]
    // Each value once a family, labelled as the combined query labels them.
    func serve(time: String, values: [String]) throws {
      let result = values.flatMap { v in
        families.map { f in
          #"{"metric":\#(metric.dropLast()),"family":"\#(f)"},"value":[\#(time),"\#(v)"]}"#
        }
      }.joined(separator: ",")
      try Files.writeAtomically(
        Array(#"{"status":"success","data":{"resultType":"vector","result":[\#(result)]}}"#.utf8),
        to: dir + "/api/v1/query")
    }
    let api = "http://127.0.0.1:\(port)"
    let raw = ["--series", "raw"]
    // Only values that are not counts: skipped and said, and no data (exit 3), never a $0 table.
    for value in ["+Inf", "-Inf", "NaN", "1e30", "1e300", "-5"] {
      try serve(time: "1796154216.0067022", values: [value])
      let (status, out, err) = try run(zonetop, ["snapshot", "--prometheus", api, "--format", "csv"] + raw)
      #expect(status == 3, "\(value): \(err)")
      #expect(out.isEmpty, "\(value): \(out)")
      #expect(err.contains("skipped 4 values that are not a count"), "\(value): \(err)")
      #expect(err.contains("no data: the answer held no istio_tcp_* series with a count"), "\(value): \(err)")
    }
    // The values that are counts still count beside the ones skipped.
    try serve(time: "1796154216.0067022", values: ["+Inf", "1000"])
    let (status, out, err) = try run(zonetop, ["snapshot", "--prometheus", api, "--format", "csv"] + raw)
    #expect(status == 0, "\(err)")
    // Request bytes (received) go z1 -> z2, response bytes (sent) back: 1000 each.
    #expect(out.contains(",r1,z1,r1,z2,cross-zone,1000,") && out.contains(",r1,z2,r1,z1,cross-zone,1000,"), "\(out)")
    try serve(time: "1e300", values: ["1000"])
    let (refused, refusedOut, refusedErr) = try run(zonetop, ["snapshot", "--prometheus", api] + raw)
    #expect(refused == 3 && refusedOut.isEmpty, "no server answered: no data")
    #expect(refusedErr.contains("zonetop: \(api): unexpected API answer: series {destination_region=\"r1\","))
    #expect(refusedErr.contains("has timestamp 1e+300, not a time from 2000-01-01 to 2200-01-01"), "\(refusedErr)")
  }

  /// Reliability report D9: a second `record` onto a file another one is writing overwrote
  /// its frames and both exited 0; now the second is refused with exit 1.
  @Test func aSecondRecorderOnOneFileIsRefused() throws {
    let dir = Harness.tempDir("tworec")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/two.ztrec"
    let first = try Child(zonetop, ["record", "http://127.0.0.1:9/metrics", "--out", path, "--duration", "120s"])
    // Wait until the first recorder holds the file's lock (it takes it before polling).
    func locked() -> Bool {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { return false }
      defer { close(fd) }
      return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
    let deadline = Date().addingTimeInterval(30)
    while !locked() && Date() < deadline && first.process.isRunning { usleep(20_000) }
    #expect(locked(), "the first recorder never locked \(path)")
    let (status, _, err) = try run(
      zonetop, ["record", "http://127.0.0.1:9/metrics", "--out", path, "--duration", "1s"])
    #expect(status == 1, "\(err)")
    #expect(
      err
        == "zonetop: \(path): is being written by another zonetop (pid \(first.process.processIdentifier) holds its lock)\n"
    )
    #expect(first.process.isRunning)
  }

  /// Reliability report D12: a targets file with CRLF line endings was read as one URL.
  @Test func aCRLFTargetsFileGivesOneTargetALine() throws {
    let dir = Harness.tempDir("crlf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let urls = ["a", "b", "c"].map { "http://127.0.0.1:9/metrics?\($0)" }
    let text = "# ztunnels\r\n" + urls.map { " \($0) \r\n\r\n" }.joined()
    try Files.writeAtomically(Array(text.utf8), to: dir + "/targets.txt")
    let (status, _, err) = try run(
      zonetop,
      ["record", "--targets-file", dir + "/targets.txt", "--out", dir + "/r.ztrec", "--duration", "1s"])
    #expect(status == 3, "\(err)")
    #expect(err.contains("recorded ") && err.contains(" of 3 targets (0 up at the end)"), "\(err)")
    for url in urls { #expect(err.contains("zonetop: \(url): "), "\(url): \(err)") }
    #expect(!err.contains("\\x0d"))
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

  /// Runs `zonetop ARGS > out` through sh: the stdout bytes as written, not decoded.
  func stdoutBytes(_ arguments: [String], to path: String) throws -> Int32 {
    let quoted = ([zonetop] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let (status, _, _) = try run("/bin/sh", ["-c", quoted.joined(separator: " ") + " > '\(path)'"])
    return status
  }

  /// Reliability report D21: `--frame N` went through a String (invalid UTF-8 became
  /// U+FFFD: 2,568 -> 2,574 bytes), and N is the listing's number, in time order.
  @Test func extractFrameIsByteExactAndCountsInTimeOrder() throws {
    let dir = Harness.tempDir("extract-frame")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let body: [UInt8] = Array("# HELP x caf".utf8) + [0xE9, 0x20, 0xFF, 0x0A] + Array("x_total 1\n".utf8)
    try Files.writeAtomically(
      RecordingFormat.magic
        + RecordingFormat.encode(Frame(target: "http://t/m", timeMs: 1_740_996_000_000, status: 200, body: body)),
      to: dir + "/b.ztrec")
    #expect(try stdoutBytes(["extract", dir + "/b.ztrec", "--frame", "0"], to: dir + "/got") == 0)
    #expect(try Files.read(dir + "/got") == body)
    try Files.writeAtomically(
      RecordingFormat.magic
        + RecordingFormat.encode(
          Frame(target: "http://t/m", timeMs: 1_740_996_010_000, status: 200, body: Array("third\n".utf8)))
        + RecordingFormat.encode(
          Frame(target: "http://t/m", timeMs: 1_740_996_000_000, status: 200, body: Array("first\n".utf8))),
      to: dir + "/o.ztrec")
    let (status, out, _) = try run(zonetop, ["extract", dir + "/o.ztrec", "--frame", "0"])
    #expect(status == 0 && out == "first\n")
    let (_, help, _) = try run(zonetop, ["extract", "--help"])
    #expect(help.contains("time order") && !help.contains("file order"))
  }

  /// Reliability report D22: a target `..` wrote DIR/../TIME.prom, `""` wrote into DIR, and
  /// targets that shorten alike overwrote each other while "wrote N scrapes" counted both.
  @Test func extractToDirectoryStaysInsideAndNeverOverwrites() throws {
    let dir = Harness.tempDir("extract-dir")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let targets = ["..", ".", "", "a/../b", ".hidden", "http://a:15020/metrics", "https://a:15020/metrics"]
    var bytes = RecordingFormat.magic
    for (i, t) in targets.enumerated() {
      bytes += RecordingFormat.encode(
        Frame(target: t, timeMs: 1_740_996_010_000, status: 200, body: Array("x_total \(i)\n".utf8)))
    }
    // The same target twice at the same time: two files too.
    bytes += RecordingFormat.encode(
      Frame(target: "..", timeMs: 1_740_996_010_000, status: 200, body: Array("x_total 7\n".utf8)))
    try Files.writeAtomically(bytes, to: dir + "/t.ztrec")
    mkdir(dir + "/x", 0o755)
    let (status, _, err) = try run(zonetop, ["extract", dir + "/t.ztrec", "--to-directory", dir + "/x/out"])
    #expect(status == 0)
    #expect(err.contains("wrote 8 scrapes"), "\(err)")
    let files = FileManager.default.enumerator(atPath: dir + "/x")?.compactMap { $0 as? String } ?? []
    let written = files.filter { !Files.isDirectory(dir + "/x/" + $0) }
    #expect(written.count == 8, "\(written)")
    #expect(written.allSatisfy { $0.hasPrefix("out/") && !$0.dropFirst(4).hasPrefix(".") }, "\(written)")
    var bodies = Set<String>()
    for f in written { bodies.insert(String(decoding: try Files.read(dir + "/x/" + f), as: UTF8.self)) }
    #expect(bodies == Set((0..<8).map { "x_total \($0)\n" }))
  }

  /// Reliability report D23: a recording piped to `snapshot /dev/stdin` was read as empty.
  @Test func aPipedRecordingIsRead() throws {
    let (status, out, err) = try run(
      "/bin/sh", ["-c", "cat '\(Harness.demo)' | '\(zonetop)' snapshot /dev/stdin --format csv"])
    #expect(status == 0)
    // CSV lines end in CRLF, one Character in Swift: count the bytes.
    #expect(out.utf8.filter { $0 == 0x0A }.count > 1, "\(err)")
  }

  /// Reliability report D10: `snapshot` of a file kept 200,000 series per target whatever
  /// `--max-series-per-target` said, and dropped the rest without a word.
  @Test func snapshotAppliesAndNamesTheSeriesLimit() throws {
    let dir = Harness.tempDir("series-limit")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/big.prom"
    let body = (0..<3000).map { i in
      "istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"w\(i)\",source_workload_namespace=\"ns\","
        + "destination_workload=\"d\",destination_workload_namespace=\"ns\",source_region=\"r\",source_zone=\"a\","
        + "destination_region=\"r\",destination_zone=\"b\"} 1000\n"
    }.joined()
    try Data(body.utf8).write(to: URL(fileURLWithPath: path))
    func bytes(_ json: String) -> Int {
      let doc = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
      return ((doc?["bytes_by_scope"] as? [String: Any]) ?? [:]).values.compactMap { ($0 as? NSNumber)?.intValue }
        .reduce(0, +)
    }
    let (capped, cappedOut, cappedErr) = try run(
      zonetop, ["snapshot", path, "--format", "json", "--max-series-per-target", "1000"])
    #expect(capped == 0)
    #expect(bytes(cappedOut) == 1000 * 1000)
    #expect(
      cappedErr.contains("big.prom: reached the limit of 1000 series per target in 1 scrape (2000 new series ignored"),
      "\(cappedErr)")
    let (all, allOut, allErr) = try run(zonetop, ["snapshot", path, "--format", "json"])
    #expect(all == 0 && bytes(allOut) == 3000 * 1000)
    #expect(!allErr.contains("limit"), "\(allErr)")
  }

  /// Reliability report D20: `record --out` a FIFO streams to its reader.
  ///
  /// It filled the pipe with no reader, blocked, and ended with "recorded 0 rounds" and
  /// exit 0. A FIFO is now a stream with a reader,
  /// and refused at once without one.
  @Test(.timeLimit(.minutes(2)))
  func recordStreamsToAFIFO() throws {
    let server = try FixtureServer(extra: ["--loop"])
    let dir = Harness.tempDir("record-fifo")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fifo = dir + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let (lonely, _, lonelyErr) = try run(zonetop, ["record", server.target(0), "--out", fifo, "--duration", "1s"])
    #expect(lonely == 1 && lonelyErr.contains("is a FIFO that no process reads"), "\(lonelyErr)")
    let reader = try FIFOReader(path: fifo)
    let (status, _, err) = try run(
      zonetop, ["record", server.target(0), server.target(1), "--out", fifo, "--interval", "0.5s", "--duration", "2s"])
    let bytes = reader.finish()
    #expect(status == 0, "\(err)")
    let frames = bytes.withUnsafeBytes { RecordingReader($0, path: fifo).frames }
    #expect(frames.count >= 4, "\(err)")
    #expect(err.contains("recorded") && !err.contains("recorded 0 rounds"), "\(err)")
  }
}
