import ArgumentParser
import Glibc
import ZoneTopFiles
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// `--config FILE` and `--print-config`: the settings file and what is in force.
///
/// Flags override the file, the file overrides the defaults. A flag counts as given when it is
/// on the command line (`--window 1h` or `--window=1h`), even when it repeats the default.
struct ConfigFlags: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Settings file (default: $XDG_CONFIG_HOME/zonetop/config.yaml, else ~/.config/zonetop/config.yaml).",
      valueName: "file"))
  var config: String?

  @Flag(help: "Print the settings in force and where each came from (default, file:line, flag), then exit.")
  var printConfig = false

  /// One setting in force and where it came from.
  struct Setting {
    var name: String
    var value: String
    var from: String
  }

  /// The settings file: `--config`, else the default path when a file is there.
  func load() throws -> ConfigFile? {
    do {
      if let config { return try ConfigFile.load(config, required: true) }
      guard let path = ConfigFile.defaultPath() else { return nil }
      return try ConfigFile.load(path, required: false)
    } catch {
      printError("zonetop: \(error.description)")
      throw ExitCode(1)
    }
  }

  static func given(_ long: String, in arguments: [String] = CommandLine.arguments) -> Bool {
    arguments.contains { $0 == "--\(long)" || $0.hasPrefix("--\(long)=") }
  }

  /// Resolves one setting: the flag if given, else the file's value, else the default.
  static func pick<T: Sendable & Equatable>(
    _ name: String, flag: String? = nil, _ entry: ConfigFile.Entry<T>?, file: ConfigFile?, flagValue: T,
    show: (T) -> String, into settings: inout [Setting]
  ) -> T {
    let flagName = flag ?? name
    if given(flagName) {
      settings.append(Setting(name: name, value: show(flagValue), from: "flag --\(flagName)"))
      return flagValue
    }
    if let entry, let file {
      settings.append(Setting(name: name, value: show(entry.value), from: "\(file.path):\(entry.line)"))
      return entry.value
    }
    settings.append(Setting(name: name, value: show(flagValue), from: "default"))
    return flagValue
  }

  /// What the file and the flags decide beyond the option groups: how the TUI starts and looks.
  struct Resolved {
    var units: Units
    var settings: [Setting]
    var theme = Theme.standard
    var keys = KeyBindings()
    /// The zone zonetop runs in (`--zone`, `zone:`).
    var zone: String?
    /// The node zonetop's pod runs on (`NODE_NAME` with `--kube`): its zone, when `--zone` is not given.
    var node: String?
  }

  /// Applies the file under the flags; returns the units to start with, the look and the settings in force.
  func apply(
    shared: inout SharedOptions, display: inout DisplayOptions, http: inout HTTPFlags?, kube: inout KubeFlags?,
    urls: inout [String]?, units defaultUnits: Units
  ) throws -> Resolved {
    let file = try load()
    var settings: [Setting] = [
      Setting(
        name: "config", value: file?.path ?? config ?? ConfigFile.defaultPath() ?? "-",
        from: file == nil ? "none found" : (config == nil ? "default path" : "flag --config"))
    ]
    if var u = urls {
      let fromFile = Self.pick(
        "targets", flag: "targets-file", file?.targets, file: file, flagValue: u,
        show: { $0.isEmpty ? "-" : $0.joined(separator: ",") }, into: &settings)
      // URLs on the command line are flags too.
      if !u.isEmpty {
        settings[settings.count - 1] = Setting(name: "targets", value: u.joined(separator: ","), from: "arguments")
      } else {
        u = fromFile
      }
      urls = u
    }
    if var k = kube {
      k.kube = Self.pick(
        "kube", file?.kube, file: file, flagValue: k.kube, show: { $0 ? "true" : "false" }, into: &settings)
      let context = Self.pick(
        "context", file?.context.map { .init(value: [$0.value], line: $0.line) }, file: file, flagValue: k.context,
        show: { $0.isEmpty ? "-" : $0.joined(separator: ",") }, into: &settings)
      k.context = context
      kube = k
    }
    shared.pricing = Self.pick(
      "pricing", file?.pricing, file: file, flagValue: shared.pricing, show: { $0 }, into: &settings)
    shared.reporter = Self.pick(
      "reporter", file?.reporter, file: file, flagValue: shared.reporter, show: \.rawValue, into: &settings)
    let window = Self.pick(
      "window", file?.windowMs, file: file, flagValue: display.window.ms, show: { DurationText.format(ms: $0) },
      into: &settings)
    display.window = DurationOption(ms: window)
    if var h = http {
      let interval = Self.pick(
        "interval", file?.intervalMs, file: file, flagValue: h.interval.ms, show: { DurationText.format(ms: $0) },
        into: &settings)
      h.interval = DurationOption(ms: interval)
      http = h
    }
    let unitsName = Self.pick(
      "units", file?.units, file: file, flagValue: Self.name(of: defaultUnits), show: { $0 }, into: &settings)
    let color = Self.pick(
      "color", file?.color, file: file, flagValue: display.noColor ? "never" : display.color.rawValue, show: { $0 },
      into: &settings)
    if !Self.given("no-color") { display.color = ColorMode(rawValue: color) ?? .auto }
    let zone = Self.pick(
      "zone", file?.zone, file: file, flagValue: display.zone ?? "", show: { $0.isEmpty ? "-" : $0 },
      into: &settings)
    let units: Units
    switch unitsName {
    case "bytes": units = .bytes
    case "usd", "cost": units = .cost
    default: units = .rate
    }
    var resolved = Resolved(units: units, settings: settings, zone: zone.isEmpty ? nil : zone)
    do {
      if let file {
        resolved.theme = try file.theme()
        resolved.keys = try file.keyBindings()
      }
    } catch {
      printError("zonetop: \(error.description)")
      throw ExitCode(1)
    }
    Self.listPairs("theme", file?.theme, file: file, empty: "{}  # the standard theme", into: &resolved.settings)
    Self.listPairs("keys", file?.keys, file: file, empty: "{}  # the built-in keys", into: &resolved.settings)
    return resolved
  }

  /// `theme:` and `keys:` in `--print-config`: the mapping's entries, each with its line.
  static func listPairs(
    _ name: String, _ entries: ConfigFile.Entry<[ConfigFile.Entry<ConfigFile.Pair>]>?, file: ConfigFile?,
    empty: String, into settings: inout [Setting]
  ) {
    guard let file, let entries, !entries.value.isEmpty else {
      settings.append(Setting(name: name, value: empty, from: ""))
      return
    }
    settings.append(Setting(name: name, value: "", from: "\(file.path):\(entries.line)"))
    for e in entries.value {
      let value = e.value.value.count == 1 ? "\"\(e.value.value)\"" : e.value.value
      settings.append(Setting(name: "  " + e.value.name, value: value, from: "\(file.path):\(e.line)"))
    }
  }

  static func name(of units: Units) -> String {
    switch units {
    case .rate, .change: "rate"
    case .bytes: "bytes"
    case .cost: "usd"
    }
  }

  /// `--print-config`: YAML a config file could start from, each line saying where its value came from.
  static func text(_ settings: [Setting]) -> String {
    let width = settings.map { $0.name.count + 2 + $0.value.count }.max() ?? 0
    return settings.map { s in
      if s.name == "config" { return "# settings file: \(s.value) (\(s.from)); flags override it" }
      // Unset settings are comments, so the output reads back as a config file.
      let line =
        s.value == "-" ? "# \(s.name): (not set)" : s.value.isEmpty ? "\(s.name):" : "\(s.name): \(s.value)"
      if s.from.isEmpty { return line }
      return line + String(repeating: " ", count: max(1, width - line.count + 2)) + "# \(s.from)"
    }.joined(separator: "\n") + "\n"
  }
}
