import ZoneTopExposition
import ZoneTopTraffic

/// Semantic colour roles; the terminal maps them to curses pairs (or to plain
/// attributes when there is no colour) in one place.
public enum Role: UInt8, Sendable, CaseIterable {
  case normal, title, header, footer, key, dim, selected, demo, paused, warning, error, ok
  case heat0, heat1, heat2, heat3, heat4, diagonal, columnHeader, total, bar, spark
}

/// One screen cell: a character and its role.
public struct Cell: Equatable, Sendable {
  public var scalar: Unicode.Scalar
  public var role: Role
  public var bold: Bool

  public init(_ scalar: Unicode.Scalar = " ", role: Role = .normal, bold: Bool = false) {
    self.scalar = scalar
    self.role = role
    self.bold = bold
  }
}

/// An in-memory screen: what render functions draw into and the curses backend blits.
public struct CellBuffer: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// Draw box and sparkline characters in ASCII (a non-UTF-8 locale).
  public var ascii: Bool

  public init(width: Int, height: Int, ascii: Bool = false) {
    self.width = max(0, width)
    self.height = max(0, height)
    self.ascii = ascii
    cells = Array(repeating: Cell(), count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { if x >= 0 && y >= 0 && x < width && y < height { cells[y * width + x] = newValue } }
  }

  /// Writes text at (x, y), clipped to `maxWidth` (and the buffer); returns the columns used.
  ///
  /// Control characters never reach the buffer: they become visible escapes.
  @discardableResult
  public mutating func text(_ s: String, x: Int, y: Int, role: Role = .normal, bold: Bool = false, maxWidth: Int? = nil)
    -> Int
  {
    guard y >= 0 && y < height else { return 0 }
    let limit = min(maxWidth ?? width, width - x)
    guard limit > 0 else { return 0 }
    var col = 0
    for scalar in Sanitize.visible(s).unicodeScalars {
      if col >= limit { break }
      let shown = Self.isSingleWidth(scalar) ? scalar : "?"
      self[x + col, y] = Cell(ascii && shown.value > 0x7E ? Self.asciiFallback(shown) : shown, role: role, bold: bold)
      col += 1
    }
    return col
  }

  /// Text right-aligned so that it ends at column `right` (exclusive).
  public mutating func textRight(_ s: String, right: Int, y: Int, role: Role = .normal, bold: Bool = false) {
    let n = Sanitize.visible(s).unicodeScalars.count
    text(s, x: right - n, y: y, role: role, bold: bold)
  }

  /// Fills a rectangle with one cell.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ cell: Cell = Cell()) {
    for yy in max(0, y)..<min(height, y + h) {
      for xx in max(0, x)..<min(width, x + w) { self[xx, yy] = cell }
    }
  }

  /// Sets the role of every cell in a row segment (selection bars).
  public mutating func paint(x: Int, y: Int, width w: Int, role: Role) {
    guard y >= 0 && y < height else { return }
    for xx in max(0, x)..<min(width, x + w) { cells[y * width + xx].role = role }
  }

  /// A horizontal line.
  public mutating func hline(x: Int, y: Int, width w: Int, role: Role = .dim) {
    for xx in x..<min(width, x + w) { self[xx, y] = Cell(ascii ? "-" : "─", role: role) }
  }

  /// The column where `text` starts on row `y`, or nil.
  public func find(_ text: String, y: Int) -> Int? {
    let needle = Array(text.unicodeScalars)
    guard y >= 0, y < height, !needle.isEmpty, needle.count <= width else { return nil }
    for x in 0...(width - needle.count) where (0..<needle.count).allSatisfy({ self[x + $0, y].scalar == needle[$0] }) {
      return x
    }
    return nil
  }

  /// The buffer as plain text lines (for snapshot tests).
  public var lines: [String] {
    (0..<height).map { y in
      var s = ""
      s.unicodeScalars.append(contentsOf: cells[(y * width)..<((y + 1) * width)].map(\.scalar))
      while s.hasSuffix(" ") { s.removeLast() }
      return s
    }
  }

  static func isSingleWidth(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 0x1100 { return true }
    if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
      || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
      || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
      || (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFEFF
    {
      return false
    }
    return true
  }

  static func asciiFallback(_ s: Unicode.Scalar) -> Unicode.Scalar {
    switch s {
    case "─", "━": return "-"
    case "│", "┃": return "|"
    case "▁", "▂", "▃": return "."
    case "▄", "▅": return "o"
    case "▆", "▇", "█": return "#"
    case "→": return ">"
    case "←": return "<"
    case "↑": return "^"
    case "↓": return "v"
    case "·": return "."
    case "…": return "~"
    case "⏎": return "E"
    default: return "?"
    }
  }
}
