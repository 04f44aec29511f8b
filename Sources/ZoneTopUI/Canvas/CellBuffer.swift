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

  /// The right half of a two-column character (drawn by the cell before it).
  public static let wideTail: Unicode.Scalar = "\u{FFFF}"

  public var isWideTail: Bool { scalar == Self.wideTail }

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
  /// Control characters never reach the buffer: they become visible escapes. Columns
  /// are counted by `DisplayWidth`: a wide character takes its cell and a `wideTail`
  /// after it (or a space where only one column is left), zero-width ones take none.
  @discardableResult
  public mutating func text(_ s: String, x: Int, y: Int, role: Role = .normal, bold: Bool = false, maxWidth: Int? = nil)
    -> Int
  {
    guard y >= 0 && y < height else { return 0 }
    let limit = min(maxWidth ?? width, width - x)
    guard limit > 0 else { return 0 }
    var col = 0
    // Half of a wide character left of the text would be drawn over: blank it.
    if x > 0, x < width, self[x, y].isWideTail { self[x - 1, y] = Cell(" ", role: self[x - 1, y].role) }
    for scalar in Sanitize.visible(s).unicodeScalars {
      if col >= limit { break }
      let w = ascii ? 1 : DisplayWidth.of(scalar)
      if w == 0 { continue }
      if w == 2 && col + 1 >= limit {
        self[x + col, y] = Cell(" ", role: role, bold: bold)
        col += 1
        break
      }
      let shown = ascii && scalar.value > 0x7E ? Self.asciiFallback(scalar) : scalar
      self[x + col, y] = Cell(shown, role: role, bold: bold)
      if w == 2 { self[x + col + 1, y] = Cell(Cell.wideTail, role: role, bold: bold) }
      col += w
    }
    // A wide character whose left half was just written over loses its right half too.
    if x + col < width, x + col >= 0, self[x + col, y].isWideTail { self[x + col, y] = Cell(" ", role: role) }
    return col
  }

  /// Text right-aligned so that it ends at column `right` (exclusive).
  public mutating func textRight(_ s: String, right: Int, y: Int, role: Role = .normal, bold: Bool = false) {
    text(
      s, x: right - (ascii ? Sanitize.visible(s).unicodeScalars.count : DisplayWidth.of(s)), y: y, role: role,
      bold: bold)
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
      s.unicodeScalars.append(
        contentsOf: cells[(y * width)..<((y + 1) * width)].lazy.filter { !$0.isWideTail }.map(\.scalar))
      while s.hasSuffix(" ") { s.removeLast() }
      return s
    }
  }

  static func asciiFallback(_ s: Unicode.Scalar) -> Unicode.Scalar {
    switch s {
    case "─", "━": return "-"
    case "│", "┃", "▏": return "|"
    case "┌", "┐", "└", "┘", "├", "┤": return "+"
    case "▼": return "v"
    case "▲": return "^"
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
    // Braille dots (the cost graph): a dot.
    case "\u{2801}"..."\u{28FF}": return "."
    default: return "?"
    }
  }
}
