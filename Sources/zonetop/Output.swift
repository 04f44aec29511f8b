import ArgumentParser
import ZoneTopExposition
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

/// `1 round`, `2 rounds`.
func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// Refuses a recording path ending in `.gz`: recordings are appended frame by frame, uncompressed,
/// and a `.gz` name over plain text would mislead every reader.
func checkRecordingPath(_ path: String, option: String) throws {
  guard path.hasSuffix(".gz") else { return }
  throw ValidationError(
    "\(option) \(Sanitize.short(path)): recordings are written uncompressed (each scrape appended as it "
      + "comes); name it .ztrec and gzip it when it is complete")
}
