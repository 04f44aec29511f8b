import Testing
import ZoneTopFiles
import ZoneTopTraffic

/// `config.yaml`: what it sets, and errors that name the file, line and field.
@Suite struct ConfigFileTests {
  @Test func everySettingIsReadWithItsLine() throws {
    let yaml = """
      # zonetop settings
      targets:
        - http://10.0.0.1:15020/metrics
        - https://10.0.0.2:15020/metrics
      pricing: gcp
      window: 15m
      interval: 10s
      units: usd
      reporter: source
      color: never
      context: prod
      """
    let c = try ConfigFile.parse(yaml, path: "/etc/z.yaml")
    #expect(c.targets?.value == ["http://10.0.0.1:15020/metrics", "https://10.0.0.2:15020/metrics"])
    #expect(c.targets?.line == 2)
    #expect(c.pricing == .init(value: "gcp", line: 5))
    #expect(c.windowMs == .init(value: 900_000, line: 6))
    #expect(c.intervalMs?.value == 10_000 && c.units?.value == "usd" && c.reporter?.value == .source)
    #expect(c.color?.value == "never" && c.context == .init(value: "prod", line: 11))
    #expect(try ConfigFile.parse("", path: "e.yaml") == ConfigFile(path: "e.yaml"))
  }

  @Test(arguments: [
    (
      "pricing: aws\nwidnow: 5m\n",
      "z.yaml:2: unknown setting \"widnow\" (expected one of targets, kube, context, pricing"
    ),
    ("window: soon\n", "z.yaml:1: window: expected a duration such as 5s, 5m or 1h, not \"soon\""),
    ("a: 1\n", "z.yaml:1: unknown setting \"a\""),
    ("\n\nunits: dollars\n", "z.yaml:3: units: expected rate, bytes, usd, cost, change, not \"dollars\""),
    (
      "targets:\n  - http://a/metrics\n  - ftp://b\n",
      "z.yaml:3: targets: expected http:// or https:// URLs, not \"ftp://b\""
    ),
    ("reporter: both\n", "z.yaml:1: reporter: expected auto, source, destination, not \"both\""),
    ("- a\n- b\n", "z.yaml:1: expected a mapping of settings"),
    ("window: [\n", "z.yaml: invalid YAML"),
  ])
  func errorsNameTheFileLineAndField(_ yaml: String, _ expected: String) {
    #expect(throws: ConfigFile.Error.self) { try ConfigFile.parse(yaml, path: "z.yaml") }
    do {
      _ = try ConfigFile.parse(yaml, path: "z.yaml")
    } catch {
      #expect(error.description.hasPrefix(expected), "\(error.description)")
    }
  }

  @Test func theDefaultPathFollowsXDG() {
    #expect(ConfigFile.defaultPath { ["XDG_CONFIG_HOME": "/x", "HOME": "/h"][$0] } == "/x/zonetop/config.yaml")
    #expect(ConfigFile.defaultPath { ["HOME": "/h"][$0] } == "/h/.config/zonetop/config.yaml")
    #expect(ConfigFile.defaultPath { ["XDG_CONFIG_HOME": "", "HOME": "/h"][$0] } == "/h/.config/zonetop/config.yaml")
  }
}
