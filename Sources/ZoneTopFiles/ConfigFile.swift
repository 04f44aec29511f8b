import Glibc
import Yams
import ZoneTopExposition
import ZoneTopTraffic

/// `config.yaml`: the settings zonetop starts with when no flag says otherwise (README: Configuration).
///
/// Every value remembers its line, so `--print-config` can say where it came from and errors name
/// the file, line and field as the pricing file's do.
public struct ConfigFile: Sendable, Equatable {
  public struct Error: Swift.Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
  }

  /// A value and the line it was read from.
  public struct Entry<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var line: Int
    public init(value: Value, line: Int) {
      self.value = value
      self.line = line
    }
  }

  public var path: String
  /// ztunnel metrics URLs polled when the command line gives no source.
  public var targets: Entry<[String]>?
  /// A kubeconfig context for `--kube` (and `kube: true` to use it).
  public var kube: Entry<Bool>?
  public var context: Entry<String>?
  public var pricing: Entry<String>?
  public var windowMs: Entry<Int64>?
  public var intervalMs: Entry<Int64>?
  /// rate, bytes, usd or change.
  public var units: Entry<String>?
  public var reporter: Entry<ReporterPolicy>?
  /// auto, always or never.
  public var color: Entry<String>?
  /// The zone zonetop itself runs in (Health prices its own scrapes across zones).
  public var zone: Entry<String>?
  /// `theme:` role styles (`warning: magenta bold`), each with its line.
  public var theme: Entry<[Entry<Pair>]>?
  /// `keys:` actions moved to other keys (`quit: Q`), each with its line.
  public var keys: Entry<[Entry<Pair>]>?

  /// One `name: value` of the `theme:` or `keys:` mapping.
  public struct Pair: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public static let fields = [
    "targets", "kube", "context", "pricing", "window", "interval", "units", "reporter", "color", "zone", "theme",
    "keys",
  ]
  public static let unitNames = ["rate", "bytes", "usd", "cost", "change"]

  public init(path: String) { self.path = path }

  /// Where zonetop looks when `--config` is not given: `$XDG_CONFIG_HOME/zonetop/config.yaml`,
  /// else `~/.config/zonetop/config.yaml`.
  public static func defaultPath(environment: (String) -> String? = Self.environment) -> String? {
    if let xdg = environment("XDG_CONFIG_HOME"), !xdg.isEmpty { return xdg + "/zonetop/config.yaml" }
    if let home = environment("HOME"), !home.isEmpty { return home + "/.config/zonetop/config.yaml" }
    return nil
  }

  public static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  /// Reads `path`; nil when `path` is the default location and there is no file there.
  public static func load(_ path: String, required: Bool) throws(Error) -> ConfigFile? {
    guard Files.exists(path) else {
      if !required { return nil }
      throw Error(description: "\(path): no such config file")
    }
    let bytes: [UInt8]
    do { bytes = try Files.read(path) } catch { throw Error(description: "\(path): \(error.message)") }
    return try parse(String(decoding: bytes, as: UTF8.self), path: path)
  }

  /// Parses config YAML; errors name the file, line and field.
  public static func parse(_ yaml: String, path: String) throws(Error) -> ConfigFile {
    var config = ConfigFile(path: path)
    let root: Node?
    do { root = try Yams.compose(yaml: yaml) } catch {
      throw Error(description: "\(path): invalid YAML: \(error)")
    }
    guard let root else { return config }  // an empty file: nothing set
    guard case .mapping(let map) = root else {
      throw Error(description: "\(path):1: expected a mapping of settings (\(fields.joined(separator: ", ")))")
    }
    func line(_ node: Node) -> Int { node.mark?.line ?? 0 }
    func fail(_ node: Node, _ message: String) -> Error { Error(description: "\(path):\(line(node)): \(message)") }
    func text(_ node: Node, _ field: String) throws(Error) -> String {
      guard case .scalar(let s) = node, !s.string.isEmpty else { throw fail(node, "\(field): expected text") }
      return s.string
    }
    func oneOf(_ node: Node, _ field: String, _ allowed: [String]) throws(Error) -> String {
      let t = try text(node, field)
      guard allowed.contains(t.lowercased()) else {
        throw fail(node, "\(field): expected \(allowed.joined(separator: ", ")), not \"\(Sanitize.short(t))\"")
      }
      return t.lowercased()
    }
    func duration(_ node: Node, _ field: String) throws(Error) -> Int64 {
      let t = try text(node, field)
      guard let ms = DurationText.parseMs(t), ms > 0 else {
        throw fail(node, "\(field): expected a duration such as 5s, 5m or 1h, not \"\(Sanitize.short(t))\"")
      }
      return ms
    }
    for (k, v) in map {
      guard case .scalar(let key) = k else { throw fail(k, "expected a setting name") }
      let at = line(k)
      switch key.string {
      case "targets":
        var items: [Node] = []
        switch v {
        case .sequence(let seq): items = Array(seq)
        case .scalar: items = [v]
        default: throw fail(v, "targets: expected a list of metrics URLs")
        }
        var urls: [String] = []
        for item in items {
          let u = try text(item, "targets")
          guard u.hasPrefix("http://") || u.hasPrefix("https://") else {
            throw fail(item, "targets: expected http:// or https:// URLs, not \"\(Sanitize.short(u))\"")
          }
          urls.append(u)
        }
        config.targets = Entry(value: urls, line: at)
      case "kube":
        let t = try oneOf(v, "kube", ["true", "false", "yes", "no"])
        config.kube = Entry(value: t == "true" || t == "yes", line: at)
      case "context": config.context = Entry(value: try text(v, "context"), line: at)
      case "pricing": config.pricing = Entry(value: try text(v, "pricing"), line: at)
      case "window": config.windowMs = Entry(value: try duration(v, "window"), line: at)
      case "interval": config.intervalMs = Entry(value: try duration(v, "interval"), line: at)
      case "units": config.units = Entry(value: try oneOf(v, "units", unitNames), line: at)
      case "reporter":
        let t = try oneOf(v, "reporter", ReporterPolicy.allCases.map(\.rawValue))
        config.reporter = ReporterPolicy(rawValue: t).map { Entry(value: $0, line: at) }
      case "color", "colour": config.color = Entry(value: try oneOf(v, "color", ["auto", "always", "never"]), line: at)
      case "zone": config.zone = Entry(value: try text(v, "zone"), line: at)
      case "theme", "keys":
        guard case .mapping(let pairs) = v else {
          let example = key.string == "theme" ? "warning: magenta bold" : "quit: Q"
          throw fail(v, "\(key.string): expected a mapping such as \"\(example)\"")
        }
        var entries: [Entry<Pair>] = []
        for (name, value) in pairs {
          let n = try text(name, key.string)
          let t = try text(value, "\(key.string).\(n)")
          entries.append(Entry(value: Pair(name: n, value: t), line: line(name)))
        }
        if key.string == "theme" {
          config.theme = Entry(value: entries, line: at)
        } else {
          config.keys = Entry(value: entries, line: at)
        }
      default:
        throw fail(
          k, "unknown setting \"\(Sanitize.short(key.string))\" (expected one of \(fields.joined(separator: ", ")))")
      }
    }
    return config
  }
}
