/// One line of text being typed, edited like a shell prompt: the `/` filter and the `:` command share it.
///
/// Left/Right, Home/End and Ctrl-A/Ctrl-E move the cursor; Backspace deletes before it; Ctrl-U
/// deletes from the start to the cursor, Ctrl-K from the cursor to the end, Ctrl-W the word before it.
public struct LineEditor: Equatable, Sendable {
  public private(set) var text: String
  /// Characters before the cursor.
  public private(set) var cursor: Int
  /// The longest line accepted, in characters.
  public let limit: Int

  public init(_ text: String = "", limit: Int = 64) {
    self.text = String(text.prefix(limit))
    self.limit = limit
    cursor = self.text.count
  }

  /// Replaces the whole line, the cursor at its end (history, completion).
  public mutating func set(_ new: String) {
    text = String(new.prefix(limit))
    cursor = text.count
  }

  /// The text before the cursor.
  public var beforeCursor: String { String(text.prefix(cursor)) }

  /// Applies an editing key; returns false for keys that are not editing keys (Enter, Esc, Tab,
  /// Up and Down are the caller's).
  public mutating func apply(_ key: Key) -> Bool {
    var chars = Array(text)
    switch key {
    case .left, .char("\u{02}"): cursor = max(0, cursor - 1)
    case .right, .char("\u{06}"): cursor = min(chars.count, cursor + 1)
    case .home, .char("\u{01}"): cursor = 0
    case .end, .char("\u{05}"): cursor = chars.count
    case .backspace:
      guard cursor > 0 else { return true }
      chars.remove(at: cursor - 1)
      cursor -= 1
    case .char("\u{04}"):  // Ctrl-D: the character under the cursor
      if cursor < chars.count { chars.remove(at: cursor) }
    case .char("\u{15}"):  // Ctrl-U: the line up to the cursor, as in bash
      chars.removeFirst(cursor)
      cursor = 0
    case .char("\u{0B}"):  // Ctrl-K: from the cursor to the end
      chars.removeLast(chars.count - cursor)
    case .char("\u{17}"):  // Ctrl-W: the word before the cursor, and the spaces after it
      var start = cursor
      while start > 0 && chars[start - 1] == " " { start -= 1 }
      while start > 0 && chars[start - 1] != " " { start -= 1 }
      chars.removeSubrange(start..<cursor)
      cursor = start
    case .char(let c):
      // Printable characters only: a stray escape or control byte is not typed into the line.
      guard !c.isNewline, c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return true }
      guard chars.count < limit else { return true }
      chars.insert(c, at: cursor)
      cursor += 1
    default: return false
    }
    text = String(chars)
    return true
  }
}
