/// Input from a screen.
public enum InputEvent: Equatable, Sendable {
  case key(Key)
  case resize
  case timeout
}

/// Where the TUI draws and reads keys: the curses terminal, or memory in tests.
public protocol Screen: AnyObject {
  var width: Int { get }
  var height: Int { get }
  /// Whether box and sparkline characters can be drawn (otherwise ASCII).
  var unicode: Bool { get }
  /// Shows a buffer of the screen's size.
  func draw(_ buffer: CellBuffer)
  /// The next event, or `.timeout` after `timeoutMs`.
  func read(timeoutMs: Int) -> InputEvent
}

/// A screen in memory, for tests: events are scripted, the last buffer drawn is kept.
public final class InMemoryScreen: Screen {
  public private(set) var width: Int
  public private(set) var height: Int
  public let unicode: Bool
  /// Events still to be read, first first; `.timeout` once they run out.
  public var events: [InputEvent]
  public private(set) var lastBuffer: CellBuffer?
  public private(set) var draws = 0

  public init(width: Int = 80, height: Int = 24, unicode: Bool = true, events: [InputEvent] = []) {
    self.width = width
    self.height = height
    self.unicode = unicode
    self.events = events
  }

  /// Changes the size and queues the resize event a terminal would send.
  public func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
    events.insert(.resize, at: 0)
  }

  public func draw(_ buffer: CellBuffer) {
    lastBuffer = buffer
    draws += 1
  }

  public func read(timeoutMs: Int) -> InputEvent { events.isEmpty ? .timeout : events.removeFirst() }

  /// The text of the last buffer drawn, a line per row.
  public var lines: [String] { lastBuffer?.lines ?? [] }
}
