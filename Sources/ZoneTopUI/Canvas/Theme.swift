/// Colours by semantic role: what the curses backend draws each `Role` with when colour is on.
///
/// `standard` is the built-in theme; the config file's `theme:` changes single roles
/// (`warning: magenta bold`, `selected: black on green`). Monochrome terminals and `NO_COLOR`
/// use attributes only and ignore the theme.
public struct Theme: Sendable, Equatable {
  /// A terminal colour: its default, or an index (0-7 the basic eight, 8-15 bright, up to 255).
  public enum Color: Sendable, Equatable {
    case terminal
    case index(Int16)
  }

  /// How one role is drawn.
  public struct Style: Sendable, Equatable {
    public var foreground: Color
    public var background: Color
    public var bold = false
    public var dim = false
    public var underline = false
    /// The foreground on terminals with 256 colours, when it differs (the heat scale).
    public var richForeground: Color?

    public init(
      _ foreground: Color = .terminal, on background: Color = .terminal, bold: Bool = false, dim: Bool = false,
      underline: Bool = false, rich: Color? = nil
    ) {
      self.foreground = foreground
      self.background = background
      self.bold = bold
      self.dim = dim
      self.underline = underline
      self.richForeground = rich
    }
  }

  /// A `theme:` entry that cannot be used: the role as written, and why.
  public struct Problem: Error, Equatable, Sendable {
    public var name = ""
    public let message: String
  }

  public var styles: [Role: Style]

  /// The style of `role` (the terminal's default colours for a role the theme leaves out).
  public func style(_ role: Role) -> Style { styles[role] ?? Style() }

  public static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

  /// The built-in theme: white on blue bars, the heat scale from green to red, warnings in yellow.
  public static let standard = Theme(styles: [
    .normal: Style(),
    .title: Style(.index(7), on: .index(4), bold: true),
    .header: Style(.index(7), on: .index(4)),
    .footer: Style(.index(0), on: .index(6)),
    .key: Style(.index(7), on: .index(0), bold: true),
    .dim: Style(dim: true),
    .selected: Style(.index(0), on: .index(6)),
    .demo: Style(.index(0), on: .index(3), bold: true),
    .paused: Style(.index(0), on: .index(3), bold: true),
    .warning: Style(.index(3), bold: true),
    .error: Style(.index(1), bold: true),
    .ok: Style(.index(2)),
    .heat0: Style(.index(2), rich: .index(71)),
    .heat1: Style(.index(6), rich: .index(142)),
    .heat2: Style(.index(3), rich: .index(178)),
    .heat3: Style(.index(5), bold: true, rich: .index(208)),
    .heat4: Style(.index(1), bold: true, rich: .index(196)),
    .diagonal: Style(dim: true),
    .columnHeader: Style(.index(6), bold: true),
    .total: Style(.index(7), bold: true),
    .bar: Style(.index(2)),
    .spark: Style(.index(6)),
  ])

  /// A role's name in the config file: `warning`, `heat3`, `column-header`.
  public static func name(of role: Role) -> String {
    String(describing: role).reduce(into: "") { out, c in
      if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
    }
  }

  public static let roleNames = Role.allCases.map(name(of:))

  /// The role called `name`, as `name(of:)` spells it.
  public static func role(named name: String) -> Role? {
    Role.allCases.first { Self.name(of: $0) == name.lowercased() }
  }

  /// Parses `FOREGROUND [on BACKGROUND] [bold] [dim] [underline]`: colours by name
  /// (`red`, `bright-red`, `default`) or number (0-255).
  public static func parseStyle(_ text: String) throws(Problem) -> Style {
    var words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard !words.isEmpty else {
      throw Problem(message: "expected a style such as \"yellow bold\" or \"black on cyan\"")
    }
    var style = Style()
    func color(_ word: String) throws(Problem) -> Color {
      if word == "default" { return .terminal }
      if let i = colorNames.firstIndex(of: word) { return .index(Int16(i)) }
      if word.hasPrefix("bright-"), let i = colorNames.firstIndex(of: String(word.dropFirst(7))) {
        return .index(Int16(i + 8))
      }
      if let n = Int16(word), (0...255).contains(n) { return .index(n) }
      throw Problem(
        message: "\"\(word)\" is not a colour (\(colorNames.joined(separator: ", ")), bright-NAME, default or 0-255)")
    }
    var sawForeground = false
    while !words.isEmpty {
      let w = words.removeFirst()
      switch w {
      case "bold": style.bold = true
      case "dim": style.dim = true
      case "underline": style.underline = true
      case "on":
        guard !words.isEmpty else { throw Problem(message: "\"on\" needs a background colour after it") }
        style.background = try color(words.removeFirst())
      default:
        guard !sawForeground else {
          throw Problem(message: "\"\(w)\": one foreground colour, then \"on BACKGROUND\", bold, dim or underline")
        }
        style.foreground = try color(w)
        sawForeground = true
      }
    }
    return style
  }

  /// This theme with `role` drawn as `style` (`"black on green"`); a problem names the role.
  public func changing(_ roleName: String, to style: String) throws(Problem) -> Theme {
    guard let role = Self.role(named: roleName) else {
      throw Problem(
        name: roleName, message: "not a role (roles: \(Self.roleNames.joined(separator: ", ")))")
    }
    var theme = self
    do { theme.styles[role] = try Self.parseStyle(style) } catch {
      throw Problem(name: roleName, message: error.message)
    }
    return theme
  }
}
