import Foundation
import Glibc
import Testing
import ZoneTopFiles

/// `OfflineSource` on damaged, shrinking and unusual inputs (reliability report D14, D16, D23).
@Suite struct OfflineSourceTests {
  static func write(_ bytes: [UInt8], to path: String) throws {
    try Files.writeAtomically(bytes, to: path)
  }

  // D16: the demo recording cut at 91 % gave no frames, where zcat recovers most of them.
  @Test func aTruncatedCompressedRecordingKeepsItsWholeFrames() throws {
    let dir = OutputFileTests.tempDir()
    defer { OutputFileTests.remove(dir) }
    let gz = try Files.read(TestPaths.demoRecording)
    let all = try OfflineSource(path: TestPaths.demoRecording)
    #expect(all.problems == [])
    let cut = gz.count * 91 / 100
    try Self.write(Array(gz[..<cut]), to: dir + "/t.ztrec.gz")
    let torn = try OfflineSource(path: dir + "/t.ztrec.gz")
    #expect(torn.kind == .recording)
    #expect(torn.entries.count > all.entries.count * 8 / 10 && torn.entries.count < all.entries.count)
    #expect(
      torn.problems.first?.contains("compressed data is truncated at byte \(cut) of \(cut)") == true, "\(torn.problems)"
    )
    // Every kept frame reads back with its checksum.
    for e in torn.entries { _ = try torn.body(of: e) }
    // Trailing garbage after the last gzip member: every frame, and a problem saying where.
    try Self.write(gz + Array("garbage after the stream".utf8), to: dir + "/g.ztrec.gz")
    let trailing = try OfflineSource(path: dir + "/g.ztrec.gz")
    #expect(trailing.entries.count == all.entries.count)
    #expect(
      trailing.problems.first?.contains("follows the compressed data at byte \(gz.count)") == true,
      "\(trailing.problems)")
  }

  static func recording(frames n: Int, bodyBytes: Int) -> [UInt8] {
    RecordingFormat.magic
      + (0..<n).flatMap { i in
        RecordingFormat.encode(
          Frame(
            target: "http://t/m", timeMs: 1_741_000_000_000 + Int64(i) * 5000, status: 200,
            body: Array(repeating: UInt8(ascii: "#"), count: bodyBytes - 1) + [0x0A]))
      }
  }

  // D14: truncating a recording while it was read (copytruncate) killed zonetop with SIGBUS.
  @Test func aRecordingThatShrinksWhileItIsReadIsAProblemNotSIGBUS() throws {
    let dir = OutputFileTests.tempDir()
    defer { OutputFileTests.remove(dir) }
    let path = dir + "/r.ztrec"
    let bytes = Self.recording(frames: 8, bodyBytes: 64 << 10)
    try Self.write(bytes, to: path)
    // Bodies read after the cut: those past it are an error in words, those before it read.
    let source = try OfflineSource(path: path)
    #expect(source.entries.count == 8)
    #expect(truncate(path, off_t(bytes.count / 2)) == 0)
    var read = 0
    var shrank = 0
    for e in source.entries {
      do {
        _ = try source.body(of: e)
        read += 1
      } catch {
        #expect("\(error)".hasSuffix("the recording shrank while it was read"), "\(error)")
        shrank += 1
      }
    }
    #expect(read >= 3 && read < 8 && read + shrank == 8)
    // Indexing a mapping whose file shrank: stops with a problem before reading past the end.
    try Self.write(bytes, to: path)
    let file = try MappedFile(path: path)
    #expect(file.isWhole())
    #expect(truncate(path, 0) == 0)
    #expect(!file.isWhole())
    let reader = RecordingReader(file.bytes, path: path, verifyChecksums: false, isWhole: file.isWhole)
    #expect(reader.frames.isEmpty)
    #expect(reader.problems == ["\(path): the recording shrank while it was read: no frames"])
  }

  // D23: `cat rec | zonetop snapshot /dev/stdin` mapped a pipe of size 0 and read nothing.
  // D27: "GARBAGE-RECORDING 9" and frames was read as one exposition file ("3 invalid lines").
  @Test func aRecordingWithADamagedFirstLineIsRefusedNotReadAsMetrics() throws {
    let dir = OutputFileTests.tempDir()
    defer { OutputFileTests.remove(dir) }
    let frame = Frame(
      target: "http://a/metrics", timeMs: 1_741_000_000_000, status: 200, body: Array("a_total 1\n".utf8))
    try Self.write(Array("GARBAGE-RECORDING 9\n".utf8) + RecordingFormat.encode(frame), to: dir + "/bad.ztrec")
    #expect {
      try OfflineSource(path: dir + "/bad.ztrec")
    } throws: { "\($0)".contains("first line is not \"ZONETOP-RECORDING 1\"") }
    // An exposition file is still one.
    try Self.write(Array("# HELP x y\nx_total 1\n".utf8), to: dir + "/x.prom")
    #expect(try OfflineSource(path: dir + "/x.prom").kind == .file)
  }

  @Test func aRecordingFromAPipeIsRead() throws {
    let bytes = Self.recording(frames: 4, bodyBytes: 1000)
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer { close(fds[0]) }
    // Smaller than a pipe's buffer: written whole before anything reads.
    #expect(bytes.withUnsafeBytes { Files.writeAll(fds[1], $0) })
    close(fds[1])
    let source = try OfflineSource(path: "/dev/fd/\(fds[0])")
    #expect(source.kind == .recording)
    #expect(source.problems == [])
    #expect(source.entries.count == 4)
    #expect(try source.body(of: source.entries[3]).count == 1000)
  }

  // D23: a FIFO named like a scrape hung `snapshot DIR` in open(2).
  @Test func aFIFOInAScrapeDirectoryIsSkipped() throws {
    let dir = OutputFileTests.tempDir()
    defer { OutputFileTests.remove(dir) }
    mkdir(dir + "/t1", 0o755)
    try Self.write(Array("a_total 1\n".utf8), to: dir + "/t1/1740996000000.prom")
    #expect(mkfifo(dir + "/t1/1740996005000.prom", 0o644) == 0)
    let source = try OfflineSource(path: dir)
    #expect(source.entries.count == 1)
    #expect(source.problems == ["\(dir)/t1/1740996005000.prom: skipped: not a regular file"])
  }
}

/// D29 (UX report): a `.gz` recording is inflated into an unlinked temporary file and mapped,
/// not into memory, so a long recording does not need its whole inflated size in RAM.
@Suite struct CompressedRecordingMemoryTests {
  static func rssAnonKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }

  @Test func aCompressedRecordingIsNotInflatedIntoMemory() throws {
    let dir = OutputFileTests.tempDir()
    defer { OutputFileTests.remove(dir) }
    // 96 frames of 1 MiB: 96 MiB inflated, a few hundred KiB compressed.
    try OfflineSourceTests.write(OfflineSourceTests.recording(frames: 96, bodyBytes: 1 << 20), to: dir + "/r.ztrec")
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = [dir + "/r.ztrec"]
    try gzip.run()
    gzip.waitUntilExit()
    let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    func spools() -> Int {
      ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("zonetop-inflate-") }
        .count
    }
    let spoolsBefore = spools()
    let before = Self.rssAnonKiB()
    let source = try OfflineSource(path: dir + "/r.ztrec.gz")
    let grown = Self.rssAnonKiB() - before
    #expect(source.entries.count == 96 && source.problems.isEmpty)
    #expect(grown < 48 << 10, "anonymous memory grew by \(grown) KiB for 96 MiB inflated")
    #expect(try source.body(of: source.entries[95]).count == 1 << 20)
    #expect(spools() == spoolsBefore, "the temporary file is unlinked at once")
  }
}
