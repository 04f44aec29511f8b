import Foundation
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic

/// The real binary in tmux, driven with send-keys and read with capture-pane, as a user would.
@Suite(.serialized) struct EndToEndTests {
  static var tmux: String? { Harness.which("tmux") }

  final class Session {
    let socket = "zonetop-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let name = "e2e"
    let tmux: String
    /// The tmux server and the program in its pane, killed in `deinit` if `kill-server` left them.
    private var pids: [pid_t] = []

    init(tmux: String, command: String, width: Int, height: Int) throws {
      self.tmux = tmux
      // The tmux server inherits the client's stdout: give it /dev/null, not our pipe.
      let p = Process()
      p.executableURL = URL(fileURLWithPath: tmux)
      p.arguments = ["-L", socket, "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command]
      var env = ProcessInfo.processInfo.environment
      env["TERM"] = "xterm-256color"
      env["LANG"] = "C.UTF-8"
      env["LC_ALL"] = "C.UTF-8"
      for key in ["NO_COLOR", "TMUX", "COLUMNS", "LINES"] { env.removeValue(forKey: key) }
      p.environment = env
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      p.standardInput = FileHandle.nullDevice
      try p.run()
      var status: Int32 = 0
      waitpid(p.processIdentifier, &status, 0)
      let ids = try run(tmux, ["-L", socket, "display-message", "-p", "-t", name, "#{pid} #{pane_pid}"]).1
      pids = ids.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
    }

    func keys(_ k: String...) throws { try run(tmux, ["-L", socket, "send-keys", "-t", name] + k) }

    func screen() throws -> String { try run(tmux, ["-L", socket, "capture-pane", "-p", "-t", name]).1 }

    func resize(_ w: Int, _ h: Int) throws {
      try run(tmux, ["-L", socket, "resize-window", "-t", name, "-x", "\(w)", "-y", "\(h)"])
    }

    /// Waits until the screen contains `text` (up to 10 s).
    @discardableResult
    func waitFor(_ text: String) throws -> String {
      let deadline = Date().addingTimeInterval(10)
      var last = ""
      while Date() < deadline {
        last = try screen()
        if last.contains(text) { return last }
        usleep(100_000)
      }
      let sessions = (try? run(tmux, ["-L", socket, "list-sessions"])).map { "\($0.0) \($0.1) \($0.2)" } ?? "?"
      Issue.record("screen never showed \"\(text)\"; it showed:\n\(last)\n(tmux sessions: \(sessions))")
      return last
    }

    deinit {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: tmux)
      p.arguments = ["-L", socket, "kill-server"]
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try? p.run()
      var status: Int32 = 0
      waitpid(p.processIdentifier, &status, 0)
      // No test leaves a process behind: what is still alive a second later is killed.
      let deadline = Date().addingTimeInterval(1)
      while pids.contains(where: { kill($0, 0) == 0 }) && Date() < deadline { usleep(20_000) }
      for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
  }

  /// Issue 17's TUI baseline as a user meets it: pin in a replay, let it move on, see the
  /// change, clear it.
  @Test(.enabled(if: tmux != nil, "tmux is not installed (make test installs it): skipped"), .timeLimit(.minutes(2)))
  func baselinePinMoveOnClear() throws {
    let s = try Session(
      tmux: Self.tmux!, command: "\(Harness.binary) replay \(Harness.repo)/Fixtures/diff/before.ztrec.gz --speed 8",
      width: 160, height: 40)
    try s.waitFor("window 1m")
    try s.keys("b")
    var screen = try s.waitFor("baseline pinned: ")
    #expect(screen.contains("vs baseline x-zone"))
    try s.keys("u", "u", "u")
    screen = try s.waitFor("change vs baseline, bytes/s")
    #expect(screen.contains("less than the baseline"))
    // The replay moves on: a minute later the window is another one and the change shows in it.
    try s.waitFor("■ END")
    screen = try s.screen()
    #expect(screen.contains("vs baseline x-zone "))
    try s.keys("B")
    screen = try s.waitFor("baseline cleared")
    #expect(!screen.contains("vs baseline"))
    try s.keys("q")
  }

  @Test(.enabled(if: tmux != nil, "tmux is not installed (make test installs it): skipped"), .timeLimit(.minutes(2)))
  func demoEveryViewDrillHelpResizeExportQuit() throws {
    let dir = Harness.tempDir("e2e")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command = "cd \(dir) && \(Harness.binary); echo EXIT=$? > \(dir)/exit; sleep 60"
    let s = try Session(tmux: Self.tmux!, command: command, width: 120, height: 40)
    var screen = try s.waitFor("DEMO")
    #expect(screen.contains("bytes from source zone (rows) to destination zone (columns)"))
    #expect(screen.contains("us-east1-b"))
    for (key, marker) in [
      ("2", "bytes from source region"), ("3", "hops that cross, B/s by scope"),
      ("4", "share of each service's traffic"), ("5", "Data quality"), ("1", "bytes from source zone"),
    ] {
      try s.keys(key)
      try s.waitFor(marker)
    }
    // Enter on a Flows row: the hop's zone pairs; Esc goes back.
    try s.keys("3", "Enter")
    try s.waitFor("its zone pairs")
    try s.keys("Escape")
    try s.waitFor("hops that cross")
    try s.keys("1", "Down", "Right", "Enter")
    screen = try s.waitFor("hops, bytes/s over the last rounds")
    #expect(screen.contains("HISTORY"))
    try s.keys("Escape", "?")
    try s.waitFor("zonetop keys")
    try s.keys("x")
    try s.resize(60, 15)
    try s.waitFor("terminal too small")
    try s.resize(80, 24)
    try s.waitFor("bytes from source zone")
    try s.keys("e")
    screen = try s.waitFor("exported")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
      $0.hasPrefix("zonetop-zones-") && $0.hasSuffix(".csv")
    }
    #expect(files.count == 1)
    if let f = files.first {
      let csv = String(decoding: try Files.read(dir + "/" + f), as: UTF8.self)
      let lines = csv.split(separator: "\r\n")
      #expect(
        lines.first
          == "window_start,window_end,source_region,source_zone,destination_region,destination_zone,scope,bytes,bytes_per_second,connections_opened,cost_usd,cost_usd_per_month"
      )
      #expect(lines.count > 10)
      #expect(screen.contains("exported \(lines.count - 1) rows"))
    }
    try s.keys("q")
    let deadline = Date().addingTimeInterval(10)
    while !Files.exists(dir + "/exit") && Date() < deadline { usleep(100_000) }
    #expect(String(decoding: (try? Files.read(dir + "/exit")) ?? [], as: UTF8.self) == "EXIT=0\n")
  }

  /// `replay --from end-1m`: the replay covers only that minute and says END when it is over;
  /// Home goes back to its start.
  @Test(.enabled(if: tmux != nil, "tmux is not installed (make test installs it): skipped"), .timeLimit(.minutes(2)))
  func aReplayFromToEndsAtTo() throws {
    let demo = Harness.repo + "/Fixtures/demo/demo.ztrec.gz"
    let s = try Session(
      tmux: Self.tmux!, command: "\(Harness.binary) replay \(demo) --from end-1m --speed 64; sleep 60", width: 120,
      height: 40)
    let screen = try s.waitFor("■ END")
    #expect(screen.contains("end of the recording"))
    try s.keys("Home")
    try s.waitFor("at the start of the recording")
    try s.keys("q")
  }

  /// Issue 16's cost question on the demo, as a new user answers it: jump to the costliest cell
  /// (`c`), list its hops (Enter), sort them by USD/month (`:sort cost`), export (`e`); the CSV's
  /// first row is that cell's costliest hop, and every row is that cell's.
  @Test(.enabled(if: tmux != nil, "tmux is not installed (make test installs it): skipped"), .timeLimit(.minutes(2)))
  func theCostQuestionInFiveKeys() throws {
    let dir = Harness.tempDir("e2e-cost")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command = "cd \(dir) && \(Harness.binary); echo EXIT=$? > \(dir)/exit; sleep 60"
    let s = try Session(tmux: Self.tmux!, command: command, width: 120, height: 40)
    try s.waitFor("DEMO")
    // Paused, the numbers on screen and in the export are of one moment.
    try s.keys("p")
    try s.waitFor("PAUSED")
    try s.keys("c")
    let screen = try s.waitFor("costliest: ")
    // "costliest: FROM → TO, $X/month · Enter lists its hops"
    let status = try #require(screen.split(separator: "\n").first { $0.contains("costliest: ") })
    let words = status.split(separator: " ").map(String.init)
    let at = try #require(words.firstIndex(of: "costliest:"))
    let from = words[at + 1]
    let to = String(words[at + 3].dropLast())  // "europe-west1-b,"
    try s.keys("Enter")
    try s.waitFor("\(from) → \(to) (cross-")
    try s.keys(":", "sort cost", "Enter")
    let sorted = try s.waitFor("sorted by cost ▼")
    #expect(sorted.contains("USD/MONTH▼"))
    try s.keys("e")
    try s.waitFor("exported")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("zonetop-drill-") }
    #expect(files.count == 1)
    let f = try #require(files.first)
    let csv = String(decoding: try Files.read(dir + "/" + f), as: UTF8.self)
    let lines = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let header = try #require(lines.first).map(String.init)
    let column = { (name: String) in header.firstIndex(of: name) ?? 0 }
    let rows = lines.dropFirst()
    #expect(rows.count > 1)
    #expect(rows.allSatisfy { $0[column("source_zone")] == from && $0[column("destination_zone")] == to })
    let costs = rows.map { Double($0[column("cost_usd_per_month")]) ?? -1 }
    let first = try #require(rows.first)
    #expect(costs.first == costs.max() && costs.first ?? 0 > 0, "\(costs)")
    // The first row on screen is that hop.
    #expect(sorted.contains("\(first[column("source_namespace")])/\(first[column("source_workload")])"))
    try s.keys("q")
    let deadline = Date().addingTimeInterval(10)
    while !Files.exists(dir + "/exit") && Date() < deadline { usleep(100_000) }
    #expect(String(decoding: (try? Files.read(dir + "/exit")) ?? [], as: UTF8.self) == "EXIT=0\n")
  }

  /// The config file's `keys:` and `theme:` in the real TUI: the old key says where its action
  /// went, the footer shows the new key, which quits; the title bar takes the theme's colours.
  @Test(.enabled(if: tmux != nil, "tmux is not installed (make test installs it): skipped"), .timeLimit(.minutes(2)))
  func aConfigFileMovesKeysAndColours() throws {
    let dir = Harness.tempDir("e2e-look")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/zonetop", withIntermediateDirectories: true)
    try "keys:\n  quit: Q\ntheme:\n  title: black on green\n".write(
      toFile: dir + "/zonetop/config.yaml", atomically: true, encoding: .utf8)
    let command = "XDG_CONFIG_HOME=\(dir) \(Harness.binary); echo EXIT=$? > \(dir)/exit; sleep 60"
    let s = try Session(tmux: Self.tmux!, command: command, width: 120, height: 40)
    let screen = try s.waitFor("DEMO")
    #expect(screen.contains("Q quit") && !screen.contains("q quit"), "\(screen)")
    let colours = try run(Self.tmux!, ["-L", s.socket, "capture-pane", "-e", "-p", "-t", s.name]).1
    let title = try #require(colours.split(separator: "\n").first { $0.contains("zonetop") })
    // SGR 30 (black) on 42 (green), however tmux joins them.
    #expect(title.contains("42m") || title.contains(";42;") || title.contains("[42;"), "\(title.debugDescription)")
    try s.keys("q")
    try s.waitFor("q was moved by keys: in the config file")
    try s.keys("Q")
    let deadline = Date().addingTimeInterval(10)
    while !Files.exists(dir + "/exit") && Date() < deadline { usleep(100_000) }
    #expect(String(decoding: (try? Files.read(dir + "/exit")) ?? [], as: UTF8.self) == "EXIT=0\n")
  }

  @Test(
    .enabled(if: tmux != nil, "tmux is not installed: skipped"), .timeLimit(.minutes(1)),
    arguments: [SIGTERM, SIGINT, SIGHUP, SIGILL, SIGSEGV, SIGABRT, SIGTRAP, SIGQUIT, SIGUSR1, SIGALRM])
  /// SIGTERM, SIGINT and SIGHUP end zonetop cleanly; SIGILL (a Swift runtime trap on x86-64), SIGTRAP
  /// (one on arm64), SIGSEGV and SIGABRT are what a failure inside zonetop raises: the terminal is
  /// restored before the process dies of it. So it is for SIGQUIT, SIGUSR1 and SIGALRM, whose default
  /// ends the process (report D25: the backtracer ran over the screen, or curses mode stayed).
  func signalsRestoreTheTerminal(_ signal: Int32) throws {
    let dir = Harness.tempDir("e2e-term")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "cd \(dir) && sh -c 'echo $$ > pid; exec \(Harness.binary) --no-color'; echo EXIT=$? > exit; stty -a > stty; sleep 60"
    let s = try Session(tmux: Self.tmux!, command: command, width: 100, height: 30)
    try s.waitFor("DEMO")
    let pid = Int32(
      String(decoding: try Files.read(dir + "/pid"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))!
    kill(pid, signal)
    let deadline = Date().addingTimeInterval(10)
    while !Files.exists(dir + "/stty") && Date() < deadline { usleep(100_000) }
    let stty = String(decoding: (try? Files.read(dir + "/stty")) ?? [], as: UTF8.self)
    #expect(stty.contains(" echo ") || stty.contains(" echo\n") || stty.contains("icanon"))
    #expect(stty.contains(" icanon") && !stty.contains("-icanon"))
    // A clean end exits 0; a fatal signal still kills the process (128 + the signal).
    let exit = String(decoding: (try? Files.read(dir + "/exit")) ?? [], as: UTF8.self)
    #expect(exit == ([SIGTERM, SIGINT, SIGHUP].contains(signal) ? "EXIT=0\n" : "EXIT=\(128 + signal)\n"))
  }
}
