import ArgumentParser
import ZoneTopFiles

/// Writes to stdout (no `-o`, or `-o -`), or to a file with `Files.writeAtomically`.
///
/// A regular file is replaced atomically; a symlink's target is written, a FIFO or a
/// device in place (`-o /dev/null` never replaces the device node).
func emit(_ text: String, to output: String?) throws {
  if let output, output != "-" {
    do { try Files.writeAtomically(Array(text.utf8), to: output) } catch {
      printError("zonetop: cannot write \(error)")
      throw ExitCode(1)
    }
    return
  }
  writeStdout(text)
}
