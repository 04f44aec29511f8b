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

  @Test func scrapeFileNames() {
    #expect(OfflineSource.timestamp(fromFileName: "1741000000000.prom") == 1_741_000_000_000)
    #expect(OfflineSource.timestamp(fromFileName: "1741000000000.prom.gz") == 1_741_000_000_000)
    #expect(OfflineSource.timestamp(fromFileName: "2025-03-03T10:00:05Z.prom") == 1_740_996_005_000)
    #expect(OfflineSource.timestamp(fromFileName: "2025-03-03T11:00:05+01:00.prom") == 1_740_996_005_000)
    #expect(OfflineSource.timestamp(fromFileName: "notes.txt") == nil)
  }
}
