import Glibc
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The recording format: round trip, torn frames at every offset, appending after a crash.
@Suite struct RecordingTests {
  static func frames() -> [Frame] {
    (0..<3).map { i in
      Frame(
        target: "http://10.0.0.\(i):15020/metrics", timeMs: 1_741_000_000_000 + Int64(i) * 5000, status: 200,
        contentType: "application/openmetrics-text; version=1.0.0", body: Array("a_total \(i)\n# EOF\n".utf8))
    } + [Frame(target: "http://dead:15020/metrics", timeMs: 1_741_000_015_000, status: 0, error: "connection refused")]
  }

  static func encoded() -> [UInt8] { RecordingFormat.magic + frames().flatMap(RecordingFormat.encode) }

  @Test func roundTrip() {
    let bytes = Self.encoded()
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r") }
    #expect(reader.problems == [])
    #expect(reader.frames.count == 4)
    #expect(reader.frames[1].target == "http://10.0.0.1:15020/metrics")
    #expect(reader.frames[1].contentType == "application/openmetrics-text; version=1.0.0")
    #expect(
      Array(bytes[reader.frames[2].bodyOffset..<(reader.frames[2].bodyOffset + reader.frames[2].bodyLength)])
        == Array("a_total 2\n# EOF\n".utf8))
    #expect(reader.frames[3].error == "connection refused")
  }

  /// Found by `fuzz-frame-header`: headers too long to read are cut to fit.
  ///
  /// A 70 KB target (or error) wrote a header line longer than readers look for its
  /// end, so the frame and everything after it were lost. Text fields are cut to fit;
  /// the frame after such a one is read too.
  @Test func headersTooLongToReadAreCutToFit() {
    let long = String(repeating: "\u{1F600}x%\n", count: 10_000)
    let big = Frame(target: "http://t/" + long, timeMs: 1_741_000_000_000, status: 200, error: long, body: [0x31])
    let bytes = RecordingFormat.magic + RecordingFormat.encode(big) + RecordingFormat.encode(Self.frames()[0])
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r") }
    #expect(reader.problems == [])
    #expect(reader.frames.count == 2)
    let f = reader.frames[0]
    #expect(f.target.utf8.count <= RecordingFormat.maxTargetBytes && big.target.hasPrefix(f.target))
    #expect(f.error.map { $0.utf8.count <= RecordingFormat.maxErrorBytes && long.hasPrefix($0) } == true)
    #expect(reader.frames[1].target == Self.frames()[0].target)
  }

  /// CRC-32C bit by bit, as the definition says: the reference for the fast paths.
  static func referenceCRC32C(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
      crc ^= UInt32(b)
      for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0x82F6_3B78 : 0) }
    }
    return ~crc
  }

  @Test func crc32cMatchesTheDefinitionAtEveryLengthAndAlignment() {
    #expect(Array("123456789".utf8).withUnsafeBytes { FrameChecksum.compute($0) } == 0xE306_9283)
    var rng = SystemRandomNumberGenerator()
    let data = (0..<40_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    // Short tails, unaligned starts, and lengths around the three-stream rounds (3 x 4096 bytes).
    for (start, length) in [
      (0, 0), (1, 1), (3, 7), (5, 64), (0, 12_287), (0, 12_288), (7, 12_289), (3, 24_576), (1, 39_999),
    ] {
      let slice = data[start..<(start + length)]
      let fast = slice.withUnsafeBytes { FrameChecksum.compute($0) }
      #expect(fast == Self.referenceCRC32C(slice), "start \(start), length \(length)")
    }
  }

  @Test func aFrameWithoutACRC32CIsTorn() {
    let body = Array("a_total 1\n# EOF\n".utf8)
    let header = "@frame v1 time_ms=1 status=200 length=\(body.count) crc32=00000000 target=t\n"
    let bytes = RecordingFormat.magic + Array(header.utf8) + body + [0x0A]
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "old") }
    #expect(reader.frames.isEmpty && reader.problems.first?.contains("crc32c") == true)
    // What zonetop writes now carries CRC-32C.
    #expect(
      String(decoding: RecordingFormat.encode(Frame(target: "t", timeMs: 1, status: 200, body: body)), as: UTF8.self)
        .contains(" crc32c="))
  }

  @Test func recordingCutAtEveryOffsetOfItsLastFrameKeepsAllWholeFrames() {
    let bytes = Self.encoded()
    let lastStart = RecordingFormat.magic.count + Self.frames().dropLast().flatMap(RecordingFormat.encode).count
    for cut in lastStart..<bytes.count {
      let reader = bytes[0..<cut].withUnsafeBytes { RecordingReader($0, path: "r") }
      #expect(reader.frames.count == 3, "cut at \(cut)")
      if cut > lastStart {
        #expect(reader.problems.count == 1 && reader.problems[0].contains("torn last frame"), "cut at \(cut)")
      }
    }
  }

  @Test func corruptFrameInTheMiddleIsSkipped() {
    var bytes = Self.encoded()
    let bodyOfSecond = bytes.withUnsafeBytes { RecordingReader($0, path: "r").frames[1].bodyOffset }
    bytes[bodyOfSecond + 2] ^= 0x01  // one flipped bit inside frame 2's body: its checksum fails
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r") }
    #expect(reader.frames.map(\.target) == [0, 2, 3].map { Self.frames()[$0].target })
    #expect(reader.problems.count == 1 && reader.problems[0].contains("checksum mismatch"))
  }

  // The resync reproducer of the reliability report (D15, gen_resync.py): after a corrupt
  // start, n headers each claiming a body that ends at the file's last newline. Every
  // candidate's body was checksummed: O(n * size), 20.8 s for 2.8 MB.
  static func nestedHeaders(_ n: Int) -> [UInt8] {
    var parts: [[UInt8]] = []
    var suffix = 1  // the final newline
    for _ in 0..<n {
      let header = Array(
        "@frame v1 time_ms=1741000000000 status=200 length=\(suffix - 1) crc32c=00000000 target=x\n".utf8)
      parts.append(header)
      suffix += header.count
    }
    return RecordingFormat.magic + Array("junk\n".utf8) + parts.reversed().flatMap { $0 } + [0x0A]
  }

  @Test(arguments: [true, false]) func resyncAfterNestedCorruptHeadersIsLinear(verify: Bool) {
    let bytes = Self.nestedHeaders(20_000)
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r", verifyChecksums: verify) }
    #expect(reader.frames.isEmpty)
    #expect(reader.resyncChecksummedBytes <= 2 * bytes.count + (1 << 20))
    #expect(reader.problems.count == 1)
    #expect(reader.problems.first?.contains("overlapping bodies") == true, "\(reader.problems)")
    // Ordinary damage still resynchronises: a corrupt frame between two whole ones.
    let good = Self.frames().map(RecordingFormat.encode)
    let damaged = RecordingFormat.magic + good[0] + Array("@frame v1 time_ms=1 gar\nbage\n".utf8) + good[1] + good[2]
    let r = damaged.withUnsafeBytes { RecordingReader($0, path: "r", verifyChecksums: verify) }
    #expect(r.frames.count == 3)
    #expect(r.problems.count == 1)
  }

  @Test func writerAppendsAfterATornTail() throws {
    let path = "/tmp/zonetop-test-\(getpid())-rec.ztrec"
    defer { unlink(path) }
    let whole = Self.encoded()
    try Files.writeAtomically(Array(whole.dropLast(7)), to: path)  // killed mid-frame
    let writer = try RecordingWriter(path: path)
    try writer.append(Self.frames()[0])
    let file = try MappedFile(path: path)
    let reader = RecordingReader(file.bytes, path: path)
    #expect(reader.problems == [])
    #expect(reader.frames.count == 4)
  }

  @Test func writerRestartsATornFileHeader() throws {
    let path = "/tmp/zonetop-test-\(getpid())-header.ztrec"
    defer { unlink(path) }
    try Files.writeAtomically(Array(RecordingFormat.magic.prefix(7)), to: path)
    try RecordingWriter(path: path).append(Self.frames()[0])
    let file = try MappedFile(path: path)
    let reader = RecordingReader(file.bytes, path: path)
    #expect(reader.problems == [])
    #expect(reader.frames.count == 1)
  }

  @Test func writerRefusesToAppendToOtherFiles() throws {
    let path = "/tmp/zonetop-test-\(getpid())-other.txt"
    defer { unlink(path) }
    try Files.writeAtomically(Array("precious data\n".utf8), to: path)
    #expect(throws: FileError.self) { try RecordingWriter(path: path) }
    #expect(String(decoding: try Files.read(path), as: UTF8.self) == "precious data\n")
  }

  /// A frame of `target` whose header claims `length` bytes, followed by a three-byte body.
  static func hostileHeader(length: String, target: String = "x") -> [UInt8] {
    Array("@frame v1 time_ms=1740996002000 status=200 length=\(length) crc32c=00000000 target=\(target)\nabc\n".utf8)
  }

  /// Reliability report D4: `length=9223372036854775807` overflowed `length + 1` and trapped every reader.
  @Test(arguments: [
    "9223372036854775807", "9223372036854775806", "9223372036854775000", "4611686018427387904",
    "-1", "-9223372036854775808", "99999999999999999999", "18446744073709551615",
  ])
  func hugeAndNegativeLengthsAreTornFramesNotACrash(length: String) {
    let good = Self.frames().map(RecordingFormat.encode)
    // In the middle: skipped, and the frame after it is found again.
    let middle = RecordingFormat.magic + good[0] + Self.hostileHeader(length: length) + good[1]
    for verify in [true, false] {
      let reader = middle.withUnsafeBytes { RecordingReader($0, path: "r", verifyChecksums: verify) }
      #expect(reader.frames.map(\.target) == [Self.frames()[0].target, Self.frames()[1].target], "\(length)")
      #expect(reader.problems.count == 1, "\(length): \(reader.problems)")
      #expect(reader.problems.first?.contains("corrupt frame skipped") == true, "\(length): \(reader.problems)")
      #expect(reader.validEnd == middle.count)
    }
    // At the end: a torn last frame, the whole frames before it kept.
    let last = RecordingFormat.magic + good[0] + Self.hostileHeader(length: length)
    let reader = last.withUnsafeBytes { RecordingReader($0, path: "r") }
    #expect(reader.frames.count == 1)
    #expect(reader.problems.count == 1 && reader.problems[0].contains("torn last frame ignored"), "\(reader.problems)")
    #expect(reader.problems.first?.contains(length.hasPrefix("-") || length.count > 19 ? "length=" : length) == true)
    #expect(reader.validEnd == RecordingFormat.magic.count + good[0].count)
  }

  /// Reliability report D13: times near Int64's ends overflowed window and rate arithmetic later.
  @Test(arguments: [
    Int64.min, Int64.min + 5000, -1, 0, 946_684_799_999, 7_258_118_400_000, Int64.max - 5000, Int64.max,
  ])
  func framesWithUnbelievableTimesAreRefusedNamingTheFrame(timeMs: Int64) {
    let good = Self.frames()
    let bad = Frame(target: "http://bad:15020/metrics", timeMs: timeMs, status: 200, body: Array("a_total 1\n".utf8))
    let bytes =
      RecordingFormat.magic + RecordingFormat.encode(good[0]) + RecordingFormat.encode(bad)
      + RecordingFormat.encode(good[1])
    for verify in [true, false] {
      let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r.ztrec", verifyChecksums: verify) }
      #expect(reader.frames.map(\.target) == [good[0].target, good[1].target])
      let offset = RecordingFormat.magic.count + RecordingFormat.encode(good[0]).count
      #expect(
        reader.problems == [
          "r.ztrec: byte \(offset): frame of http://bad:15020/metrics skipped: time_ms=\(timeMs) is outside 2000-01-01 to 2200-01-01"
        ])
      #expect(reader.validEnd == bytes.count)  // a writer appending keeps it
    }
  }

  @Test func theEdgesOfTheBelievableRangeAreKept() {
    let frames = [946_684_800_000, 7_258_118_399_999].map {
      Frame(target: "t", timeMs: $0, status: 200, body: Array("a_total 1\n".utf8))
    }
    let bytes = RecordingFormat.magic + frames.flatMap(RecordingFormat.encode)
    let reader = bytes.withUnsafeBytes { RecordingReader($0, path: "r") }
    #expect(reader.problems == [])
    #expect(reader.frames.map(\.timeMs) == [946_684_800_000, 7_258_118_399_999])
  }

  /// `record --out` reads the file it appends to: hostile headers there must not crash it either.
  @Test func writerAppendsAfterHostileHeaders() throws {
    let path = "/tmp/zonetop-test-\(getpid())-hostile.ztrec"
    defer { unlink(path) }
    let good = Self.frames()
    let extreme = Frame(target: "http://bad/metrics", timeMs: Int64.max, status: 200, body: Array("a 1\n".utf8))
    try Files.writeAtomically(
      RecordingFormat.magic + RecordingFormat.encode(good[0]) + RecordingFormat.encode(extreme)
        + Self.hostileHeader(length: "9223372036854775807"), to: path)
    let writer = try RecordingWriter(path: path)
    try writer.append(good[1])
    let file = try MappedFile(path: path)
    let reader = RecordingReader(file.bytes, path: path)
    #expect(reader.frames.map(\.target) == [good[0].target, good[1].target])
    #expect(reader.problems.count == 1 && reader.problems[0].contains("time_ms=9223372036854775807 is outside"))
  }

  /// Reliability report D9: two writers on one file wrote over each other's frames.
  ///
  /// Both reported success. flock is per open file description, so two writers in one
  /// process see each other as two processes would.
  @Test func aSecondWriterIsRefusedWhileTheFirstWrites() throws {
    let path = "/tmp/zonetop-test-\(getpid())-two.ztrec"
    defer { unlink(path) }
    let frames = Self.frames()
    var first: RecordingWriter? = try RecordingWriter(path: path)
    try first?.append(frames[0])
    let error = #expect(throws: FileError.self) { try RecordingWriter(path: path) }
    #expect(error?.description == "\(path): is being written by another zonetop (pid \(getpid()) holds its lock)")
    try first?.append(frames[1])
    // Every frame of the first writer is there, whole.
    let written = try MappedFile(path: path)
    let reader = RecordingReader(written.bytes, path: path)
    #expect(reader.problems == [] && reader.frames.map(\.target) == [frames[0].target, frames[1].target])
    // Once the first writer is gone, the file can be appended to again.
    first = nil
    try RecordingWriter(path: path).append(frames[2])
    let appended = try MappedFile(path: path)
    let again = RecordingReader(appended.bytes, path: path)
    #expect(again.problems == [] && again.frames.count == 3)
  }

  @Test func scrapeFileNames() {
    #expect(OfflineSource.timestamp(fromFileName: "1741000000000.prom") == 1_741_000_000_000)
    #expect(OfflineSource.timestamp(fromFileName: "1741000000000.prom.gz") == 1_741_000_000_000)
    #expect(OfflineSource.timestamp(fromFileName: "2025-03-03T10:00:05Z.prom") == 1_740_996_005_000)
    #expect(OfflineSource.timestamp(fromFileName: "2025-03-03T11:00:05+01:00.prom") == 1_740_996_005_000)
    #expect(OfflineSource.timestamp(fromFileName: "notes.txt") == nil)
    // Times outside 2000-01-01 to 2200-01-01 are not scrape times (they would overflow later).
    #expect(OfflineSource.timestamp(fromFileName: "9223372036854775807.prom") == nil)
    #expect(OfflineSource.timestamp(fromFileName: "-9223372036854775808.prom") == nil)
    #expect(OfflineSource.timestamp(fromFileName: "0000000000.prom") == nil)
    #expect(OfflineSource.timestamp(fromFileName: "1999-12-31T23:59:59Z.prom") == nil)
    #expect(OfflineSource.timestamp(fromFileName: "2000-01-01T00:00:00Z.prom") == 946_684_800_000)
  }
}
