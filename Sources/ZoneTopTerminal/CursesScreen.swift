import CNCursesW
import Glibc
import Synchronization
import ZoneTopTraffic
import ZoneTopUI

/// Colour use, from `--color` and `NO_COLOR`.
public enum ColorMode: String, Sendable, CaseIterable {
  case auto, always, never
}

/// The curses screen: presents cell buffers and reads keys.
///
/// The only place that
/// calls ncursesw; the terminal is restored on every exit path (`restore()` is
/// idempotent and also runs from signal handlers and at exit).
public final class CursesScreen: Screen {
  public private(set) var width: Int
  public private(set) var height: Int
  /// Whether the locale is UTF-8 (otherwise box and sparkline characters fall back to ASCII).
  public let unicode: Bool
  public let colors: Bool
  private var previous: CellBuffer?
  private var pairs: [Role: (Int16, attr_t)] = [:]

  public init(color: ColorMode, mouse: Bool, theme: Theme = .standard) throws {
    setlocale(LC_CTYPE, "")
    let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
    unicode = codeset.uppercased().replacingUTF8Dash() == "UTF8"
    guard isatty(0) == 1 && isatty(1) == 1 else {
      throw TerminalError(
        message: "zonetop needs a terminal (stdin and stdout must be a tty); use `zonetop snapshot` for scripts")
    }
    guard initscr() != nil else { throw TerminalError(message: "cannot initialise the terminal (is TERM set?)") }
    CursesScreen.installRestoreHandlers()
    // What the TUI cannot work without: keys one at a time, unechoed, with the arrow keys decoded.
    for (name, result) in [
      ("cbreak", cbreak()), ("noecho", noecho()), ("nonl", nonl()), ("keypad", keypad(zt_stdscr(), true)),
    ] where result == ERR {
      CursesScreen.restoreTerminal()
      throw TerminalError(message: "cannot set up the terminal (\(name) failed); check TERM and the terminal's type")
    }
    intrflush(zt_stdscr(), false)
    // Some terminals cannot hide the cursor (ERR): the TUI still works.
    curs_set(0)
    set_escdelay(25)
    let wantColor: Bool
    switch color {
    case .always: wantColor = true
    case .never: wantColor = false
    case .auto: wantColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true
    }
    // A terminal that cannot start colour is drawn monochrome.
    colors = wantColor && has_colors() && start_color() != ERR
    if colors { use_default_colors() }
    if mouse { mousemask(zt_button1_clicked(), nil) }
    width = Int(zt_cols())
    height = Int(zt_lines())
    setupRoles(theme)
  }

  deinit { restore() }

  /// Ends curses mode and puts the terminal back as it was.
  public func restore() { CursesScreen.restoreTerminal() }

  // MARK: - Drawing

  /// Draws the cells that changed since the last buffer (all of them after a resize).
  public func draw(_ buffer: CellBuffer) {
    let full = previous.map { $0.width != buffer.width || $0.height != buffer.height } ?? true
    if full { werase(zt_stdscr()) }
    for y in 0..<buffer.height {
      // A row with wide characters is drawn whole when it changed: a changed half would
      // leave the other half of a two-column character on the screen.
      let row = (0..<buffer.width)
      let redrawRow =
        !full && row.contains { buffer[$0, y].isWideTail || previous?[$0, y].isWideTail == true }
        && row.contains { previous?[$0, y] != buffer[$0, y] }
      for x in row {
        let cell = buffer[x, y]
        // The wide character before it covers this column.
        if cell.isWideTail && x > 0 { continue }
        if !full && !redrawRow, let p = previous, p[x, y] == cell { continue }
        let (pair, attrs) = pairs[cell.role] ?? (0, zt_a_normal())
        let a = cell.bold ? attrs | zt_a_bold() : attrs
        _ = zt_put_cell(zt_stdscr(), Int32(y), Int32(x), wchar_t(cell.scalar.value), a, pair)
      }
    }
    previous = buffer
    wnoutrefresh(zt_stdscr())
    doupdate()
  }

  // MARK: - Input

  /// Waits up to `timeoutMs` for a key or a resize.
  public func read(timeoutMs: Int) -> InputEvent {
    wtimeout(zt_stdscr(), Int32(clamping: timeoutMs))
    var ch: wint_t = 0
    let status = wget_wch(zt_stdscr(), &ch)
    if status == ERR { return .timeout }
    if status == zt_key_code_yes() {
      let code = Int32(ch)
      switch code {
      case zt_key_resize():
        width = Int(zt_cols())
        height = Int(zt_lines())
        previous = nil
        return .resize
      case zt_key_up(): return .key(.up)
      case zt_key_down(): return .key(.down)
      case zt_key_left(): return .key(.left)
      case zt_key_right(): return .key(.right)
      case zt_key_enter(): return .key(.enter)
      case zt_key_backspace(): return .key(.backspace)
      case zt_key_btab(): return .key(.backTab)
      case zt_key_npage(): return .key(.pageDown)
      case zt_key_ppage(): return .key(.pageUp)
      case zt_key_home(): return .key(.home)
      case zt_key_end(): return .key(.end)
      case zt_key_mouse():
        var event = MEVENT()
        if getmouse(&event) == OK { return .key(.mouse(x: Int(event.x), y: Int(event.y))) }
        return .timeout
      default: return .timeout
      }
    }
    switch ch {
    case 27: return .key(.escape)
    case 9: return .key(.tab)
    case 10, 13: return .key(.enter)
    case 8, 127: return .key(.backspace)
    case 3: return .key(.interrupt)
    default:
      guard let scalar = Unicode.Scalar(UInt32(ch)) else { return .timeout }
      return .key(.char(Character(scalar)))
    }
  }

  /// Forgets what is on screen so the next draw repaints everything.
  public func invalidate() {
    previous = nil
    clearok(zt_stdscr(), true)
  }

  // MARK: - Colours

  /// Semantic roles to curses pairs and attributes, in one place.
  private func setupRoles(_ theme: Theme) {
    let bold = zt_a_bold()
    let dim = zt_a_dim()
    let rev = zt_a_reverse()
    let none = zt_a_normal()
    guard colors else {
      pairs = [
        .title: (0, bold), .header: (0, rev), .footer: (0, rev), .key: (0, rev | bold), .dim: (0, dim),
        .selected: (0, rev | bold),
        .demo: (0, bold | zt_a_underline()), .paused: (0, rev | bold), .warning: (0, bold), .error: (0, bold),
        .heat3: (0, bold), .heat4: (0, bold | zt_a_underline()), .diagonal: (0, dim),
        .columnHeader: (0, zt_a_underline()),
        .total: (0, bold),
      ]
      return
    }
    let count = Int(zt_colors())
    // A colour the terminal does not have: bright ones as their basic colour, others as the default.
    func usable(_ c: Theme.Color?) -> Int16? {
      guard case .index(let n)? = c else { return c == nil ? nil : -1 }
      if Int(n) < count { return n }
      return n < 16 ? n - 8 : -1
    }
    for (i, role) in Role.allCases.enumerated() {
      let style = theme.style(role)
      let rich = count >= 256 ? usable(style.richForeground) : nil
      let fg = rich ?? usable(style.foreground) ?? -1
      let bg = usable(style.background) ?? -1
      var attrs = none
      if style.bold { attrs |= bold }
      if style.dim { attrs |= dim }
      if style.underline { attrs |= zt_a_underline() }
      let pair = Int16(i + 1)
      init_pair(pair, fg, bg)
      pairs[role] = (pair, attrs)
    }
  }

  // MARK: - Restoring the terminal

  nonisolated(unsafe) private static var active = false

  static func restoreTerminal() {
    guard active else { return }
    active = false
    mousemask(0, nil)
    curs_set(1)
    endwin()
  }

  private static func installRestoreHandlers() {
    active = true
    atexit { CursesScreen.restoreTerminal() }
    // A failure inside zonetop (a trap) still leaves a usable terminal, and so do the
    // signals whose default ends the process (SIGQUIT: Swift's backtracer ran interactively
    // over the curses screen; SIGUSR1, SIGALRM: the terminal stayed in curses mode).
    let fatal = [SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU]
    // A parent can hand them over blocked (a test runner's tmux did): unblocked, they reach the handler.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for sig in fatal { sigaddset(&unblock, sig) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for sig in fatal {
      signal(sig) { s in
        CursesScreen.restoreTerminal()
        signal(s, SIG_DFL)
        raise(s)
      }
    }
  }
}

/// Signals that end the TUI or a recording cleanly (SIGINT, SIGTERM, SIGHUP): the main loop polls this.
public enum TerminationSignals {
  /// The signal received, or 0.
  ///
  /// An atomic, so the handler's store is safe to read from any thread.
  public static let received = Atomic<Int32>(0)

  public static var wasReceived: Bool { received.load(ordering: .relaxed) != 0 }

  public static func install() {
    _ = received.load(ordering: .relaxed)  // initialised before any handler can run
    for sig in [SIGINT, SIGTERM, SIGHUP] {
      signal(sig) { s in TerminationSignals.received.store(s, ordering: .relaxed) }
    }
  }
}

/// A terminal that cannot be used, in words.
public struct TerminalError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

extension String {
  fileprivate func replacingUTF8Dash() -> String { filter { $0 != "-" } }
}
