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
}
