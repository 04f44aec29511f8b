import Foundation
import Testing

/// The settings file through the built executable: precedence, errors and `--print-config`.
@Suite struct ConfigTests {
  let zonetop = Harness.binary

  /// A config home holding `zonetop/config.yaml` with `yaml`.
  func home(_ yaml: String) throws -> String {
    let dir = Harness.tempDir("config")
    try FileManager.default.createDirectory(atPath: dir + "/zonetop", withIntermediateDirectories: true)
    try yaml.write(toFile: dir + "/zonetop/config.yaml", atomically: true, encoding: .utf8)
    return dir
  }

  @Test func flagsOverrideTheFileAndPrintConfigSaysWhere() throws {
    let dir = try home("pricing: gcp\nwindow: 15m\nunits: usd\n")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/zonetop/config.yaml"
    let env = ["XDG_CONFIG_HOME": dir]
    let (status, out, err) = try run(zonetop, ["--print-config", "--window", "1h"], environment: env)
    #expect(status == 0, "\(err)")
    let lines = out.split(separator: "\n").map(String.init)
    func line(_ name: String) -> String { lines.first { $0.hasPrefix(name + ":") } ?? "" }
    #expect(lines.first == "# settings file: \(file) (default path); flags override it")
    #expect(line("pricing").hasPrefix("pricing: gcp") && line("pricing").hasSuffix("# \(file):1"), "\(out)")
    #expect(line("window").hasPrefix("window: 1h") && line("window").hasSuffix("# flag --window"), "\(out)")
    #expect(line("units").hasPrefix("units: usd") && line("units").hasSuffix("# \(file):3"), "\(out)")
    #expect(line("reporter").hasPrefix("reporter: auto") && line("reporter").hasSuffix("# default"), "\(out)")
    // --config names another file, which wins over the default path; a flag still beats it.
    let other = dir + "/other.yaml"
    try "reporter: destination\npricing: azure\n".write(toFile: other, atomically: true, encoding: .utf8)
    let (_, out2, _) = try run(
      zonetop,
      [
        "replay", Harness.repo + "/Fixtures/demo/demo.ztrec.gz", "--config", other, "--pricing", "aws",
        "--print-config",
      ], environment: env)
    #expect(out2.contains("reporter: destination") && out2.contains("# \(other):1"), "\(out2)")
    #expect(out2.contains("pricing: aws") && out2.contains("# flag --pricing"), "\(out2)")
    #expect(!out2.contains("window: 15m"))
  }

  @Test func aBrokenFileStopsWithItsLine() throws {
    let dir = try home("pricing: gcp\n\nwindow: forever\n")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (status, out, err) = try run(zonetop, ["--print-config"], environment: ["XDG_CONFIG_HOME": dir])
    #expect(status == 1 && out.isEmpty)
    #expect(
      err.contains("zonetop: \(dir)/zonetop/config.yaml:3: window: expected a duration such as 5s, 5m or 1h"),
      "\(err)")
    let (missing, _, missingErr) = try run(zonetop, ["--config", dir + "/none.yaml", "--print-config"])
    #expect(missing == 1 && missingErr.contains("\(dir)/none.yaml: no such config file"), "\(missingErr)")
  }

  @Test func themeKeysAndZoneAreShownWithTheirLines() throws {
    let dir = try home("zone: us-east1-b\ntheme:\n  warning: magenta bold\nkeys:\n  quit: Q\n")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/zonetop/config.yaml"
    let env = ["XDG_CONFIG_HOME": dir]
    let (status, out, err) = try run(zonetop, ["--print-config"], environment: env)
    #expect(status == 0, "\(err)")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("zone: us-east1-b") && $0.hasSuffix("# \(file):1") }, "\(out)")
    #expect(lines.contains { $0.hasPrefix("theme:") && $0.hasSuffix("# \(file):2") }, "\(out)")
    #expect(lines.contains { $0.hasPrefix("  warning: magenta bold") && $0.hasSuffix("# \(file):3") }, "\(out)")
    #expect(lines.contains { $0.hasPrefix("  quit: \"Q\"") && $0.hasSuffix("# \(file):5") }, "\(out)")
    let (_, flagged, _) = try run(zonetop, ["--print-config", "--zone", "us-east1-c"], environment: env)
    #expect(flagged.contains("zone: us-east1-c") && flagged.contains("# flag --zone"), "\(flagged)")
    // What --print-config prints is a config file zonetop reads back.
    try out.write(toFile: dir + "/again.yaml", atomically: true, encoding: .utf8)
    let (again, out2, err2) = try run(zonetop, ["--config", dir + "/again.yaml", "--print-config"], environment: env)
    #expect(again == 0 && out2.contains("  quit: \"Q\""), "\(err2)")
    // A key that cannot work stops zonetop before the TUI, naming the line.
    let bad = try home("keys:\n  quit: u\n")
    defer { try? FileManager.default.removeItem(atPath: bad) }
    let (s3, _, e3) = try run(zonetop, ["--print-config"], environment: ["XDG_CONFIG_HOME": bad])
    #expect(s3 == 1, "\(e3)")
    #expect(e3.contains("config.yaml:2: keys.quit: \"u\" is the key of units; give units another key too"), "\(e3)")
  }

  @Test func noFileMeansDefaults() throws {
    let dir = Harness.tempDir("noconfig")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (status, out, _) = try run(zonetop, ["--print-config"], environment: ["XDG_CONFIG_HOME": dir])
    #expect(status == 0)
    #expect(out.contains("(none found)") && out.contains("pricing: aws") && out.contains("window: 5m"), "\(out)")
  }
}
