import ArgumentParser
import Glibc

// A closed stdout (`zonetop snapshot ... | head -1`) is an EPIPE write error, not a signal.
signal(SIGPIPE, SIG_IGN)
// A parent may have left signals blocked (some test runners and process launchers do):
// the TUI needs SIGWINCH for resizes, SIGINT/SIGTERM/SIGHUP to end cleanly, and the fatal
// signals for its terminal-restoring handlers (a blocked SIGABRT sent by another process
// would otherwise never arrive).
var unblock = sigset_t()
sigemptyset(&unblock)
for sig in [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE] {
  sigaddset(&unblock, sig)
}
sigprocmask(SIG_UNBLOCK, &unblock, nil)

// Usage errors exit with 2 (like most Unix tools and promtool), not ArgumentParser's 64.
let root = ZoneTop.self
let arguments = Arguments.joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
if Arguments.asksForTopLevelHelp(arguments) {
  print(Arguments.topLevelHelp())
  exit(0)
}
if Arguments.asksForSnapshotHelp(arguments) {
  print(Arguments.snapshotHelp())
  exit(0)
}
var parsed: (any ParsableCommand)?
do {
  var command = try root.parseAsRoot(arguments)
  parsed = command
  try command.run()
} catch {
  let code = root.exitCode(for: error)
  if code == .validationFailure {
    // A check in run() is reported with the usage of the subcommand that ran.
    if let parsed, !(parsed is ZoneTop) {
      printError(Arguments.message(for: error, in: type(of: parsed)))
    } else {
      printError(root.fullMessage(for: error))
    }
    exit(2)
  }
  root.exit(withError: error)
}
