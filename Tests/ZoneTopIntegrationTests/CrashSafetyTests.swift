import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic

/// A recording survives its writer being killed at any moment.
@Suite(.serialized) struct CrashSafetyTests {
  @Test(.timeLimit(.minutes(3)))
  func recordingSurvives100RandomSIGKILLs() throws {
    let server = try FixtureServer(extra: ["--loop"])
    let dir = Harness.tempDir("sigkill")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/killed.ztrec"
    let targets = (0..<12).map(server.target)
    var generator = SystemRandomNumberGenerator()
    var framesSeen = 0
    for round in 0..<100 {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: Harness.binary)
      p.arguments = ["record", "--out", path, "--interval", "0.1s", "--timeout", "1s"] + targets
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      usleep(UInt32.random(in: 20_000...250_000, using: &generator))
      kill(p.processIdentifier, SIGKILL)
      var status: Int32 = 0
      waitpid(p.processIdentifier, &status, 0)
      guard Files.exists(path) else { continue }
      // After every kill: whatever is on disk reads back as whole frames, at most the last one torn.
      let file = try MappedFile(path: path)
      let reader = RecordingReader(file.bytes, path: path)
      #expect(
        reader.problems.allSatisfy { $0.contains("torn last frame") || $0.contains("torn file header") },
        "round \(round): \(reader.problems)")
      #expect(
        reader.frames.count >= framesSeen, "round \(round): frames went from \(framesSeen) to \(reader.frames.count)")
      framesSeen = reader.frames.count
    }
    #expect(framesSeen > 100)
    // And every whole frame is indexed, and every successful scrape's body is valid exposition text.
    let source = try OfflineSource(path: path)
    #expect(source.entries.count == framesSeen)
    var bodies = 0
    for e in source.entries where e.isSuccess {
      try source.withBody(e) { body in
        #expect(Validator.validate(body, source: "frame", contentType: e.contentType).isValid)
      }
      bodies += 1
    }
    #expect(bodies > 0)
  }
}
