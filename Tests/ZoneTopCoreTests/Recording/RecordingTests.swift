import Glibc
import Testing
import ZoneTopCore

/// The recording format: round trip, torn frames at every offset, appending after a crash.
@Suite struct RecordingTests {
  static func frames() -> [Frame] {
    (0..<3).map { i in
      Frame(target: "http://10.0.0.\(i):15020/metrics", timeMs: 1_741_000_000_000 + Int64(i) * 5000, status: 200,
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
    #expect(Array(bytes[reader.frames[2].bodyOffset..<(reader.frames[2].bodyOffset + reader.frames[2].bodyLength)]) == Array("a_total 2\n# EOF\n".utf8))
    #expect(reader.frames[3].error == "connection refused")
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
