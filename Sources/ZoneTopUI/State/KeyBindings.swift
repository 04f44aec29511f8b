/// Keys moved by the config file's `keys:` (`quit: Q`): an action answers to its new key only.
///
/// Views (1-7), movement (arrows, hjkl), Enter, Esc and Tab keep their keys, as in htop: the
/// rebindable actions are the single-character ones. The footer and the help show the keys in force.
public struct KeyBindings: Sendable, Equatable {
  /// A rebindable action: its name in the config file, its built-in key, and what it does.
  public struct Action: Sendable, Equatable {
    public let name: String
    public let key: Character
    public let what: String
  }

  /// A `keys:` entry that cannot be used: the action as written, and why.
  public struct Problem: Error, Equatable, Sendable {
    public let name: String
    public let message: String
  }

  public static let actions: [Action] = [
    Action(name: "quit", key: "q", what: "quit"),
    Action(name: "help", key: "?", what: "help"),
    Action(name: "units", key: "u", what: "units"),
    Action(name: "costliest", key: "c", what: "costliest cell"),
    Action(name: "baseline", key: "b", what: "pin a baseline"),
    Action(name: "clear-baseline", key: "B", what: "clear the baseline"),
    Action(name: "sort-left", key: "<", what: "sort by the column to the left"),
    Action(name: "sort-right", key: ">", what: "sort by the column to the right"),
    Action(name: "invert-sort", key: "I", what: "invert the sort"),
    Action(name: "filter", key: "/", what: "filter"),
    Action(name: "command", key: ":", what: "command"),
    Action(name: "reporter", key: "r", what: "reporter policy"),
    Action(name: "pause", key: "p", what: "pause"),
    Action(name: "export", key: "e", what: "export"),
    Action(name: "first-row", key: "g", what: "first row"),
    Action(name: "last-row", key: "G", what: "last row"),
    Action(name: "faster", key: "+", what: "replay faster"),
    Action(name: "slower", key: "-", what: "replay slower"),
    Action(name: "step-back", key: "[", what: "step back"),
    Action(name: "step-forward", key: "]", what: "step forward"),
    Action(name: "back-1m", key: "{", what: "1 minute back"),
    Action(name: "forward-1m", key: "}", what: "1 minute forward"),
    Action(name: "back-5m", key: "(", what: "5 minutes back"),
    Action(name: "forward-5m", key: ")", what: "5 minutes forward"),
  ]

  /// Keys that always keep their meaning: views, movement and their aliases.
  static let fixed: Set<Character> = ["1", "2", "3", "4", "5", "6", "7", "h", "j", "k", "l", " ", "s", "="]

  /// The built-in key of each moved action, by the key that now does it.
  private var actsAs: [Character: Character] = [:]
  /// The key now doing each moved action, by its built-in key.
  private var movedTo: [Character: Character] = [:]

  public init() {}

  /// Whether any key was moved.
  public var isEmpty: Bool { movedTo.isEmpty }

  /// Moves actions to keys (`[("quit", "Q")]`); a problem names the entry.
  public init(_ entries: [(action: String, key: String)]) throws(Problem) {
    for (name, keyText) in entries {
      guard let action = Self.actions.first(where: { $0.name == name.lowercased() }) else {
        throw Problem(
          name: name, message: "not an action (actions: \(Self.actions.map(\.name).joined(separator: ", ")))")
      }
      guard keyText.count == 1, let key = keyText.first, key.isASCII, !key.isWhitespace, !key.isNewline else {
        throw Problem(name: name, message: "expected one printable character, not \"\(keyText)\"")
      }
      guard !Self.fixed.contains(key) else {
        throw Problem(name: name, message: "\"\(key)\" is kept for views and movement (1-7, h j k l, space, s, =)")
      }
      if let other = actsAs[key] {
        let taken = Self.actions.first { $0.key == other }?.name ?? "another action"
        throw Problem(name: name, message: "\"\(key)\" is already the key of \(taken)")
      }
      actsAs[key] = action.key
      movedTo[action.key] = key
    }
    // A built-in key taken by another action must have moved its own action away.
    for (key, builtIn) in actsAs where key != builtIn {
      if let owner = Self.actions.first(where: { $0.key == key }), movedTo[owner.key] == nil {
        let mover = entries.first { $0.key == String(key) }?.action ?? ""
        throw Problem(
          name: mover, message: "\"\(key)\" is the key of \(owner.name); give \(owner.name) another key too")
      }
    }
  }

  /// The key as the built-in bindings read it; nil for a key whose action moved elsewhere.
  public func translate(_ key: Key) -> Key? {
    guard case .char(let c) = key, !movedTo.isEmpty else { return key }
    if let builtIn = actsAs[c] { return .char(builtIn) }
    return movedTo[c] == nil ? key : nil
  }

  /// The key that now does the action whose built-in key is `builtIn`, for the footer and help.
  public func key(_ builtIn: Character) -> String { String(movedTo[builtIn] ?? builtIn) }

  /// The moved keys in words (`Q quit (not q)`), in the order of `actions`.
  public var moved: [String] {
    Self.actions.compactMap { a in movedTo[a.key].map { "\($0) \(a.what) (not \(a.key))" } }
  }
}
