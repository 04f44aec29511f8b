import Foundation
import Glibc
import Testing
import ZoneTopFiles

/// `Files.writeAtomically`: regular files are replaced atomically; links, FIFOs and devices are not replaced.
@Suite struct OutputFileTests {
  static func tempDir() -> String {
    let dir = "/tmp/zonetop-test-\(getpid())-out-\(UInt32.random(in: 0...UInt32.max))"
    mkdir(dir, 0o755)
    return dir
  }

  static func remove(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

  /// The file type bits of a path itself (`lstat`: a link is a link).
  static func kind(_ path: String) -> mode_t? {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
  }

  static func text(_ path: String) throws -> String { String(decoding: try Files.read(path), as: UTF8.self) }

  @Test func aNewFileIsCreatedAndARegularFileReplacedWithItsPermissions() throws {
    let dir = Self.tempDir()
    defer { Self.remove(dir) }
    try Files.writeAtomically(Array("one\n".utf8), to: dir + "/new.csv")
    #expect(try Self.text(dir + "/new.csv") == "one\n")
    var st = stat()
    stat(dir + "/new.csv", &st)
    #expect(st.st_mode & S_IFMT == S_IFREG && st.st_mode & 0o777 == 0o644)
    chmod(dir + "/new.csv", 0o600)
    try Files.writeAtomically(Array("two\n".utf8), to: dir + "/new.csv")
    #expect(try Self.text(dir + "/new.csv") == "two\n")
    stat(dir + "/new.csv", &st)
    #expect(st.st_mode & 0o777 == 0o600)
    #expect(try Files.list(dir) == ["new.csv"])  // no temporary file left behind
  }

  @Test func aSymlinkStaysALinkAndItsTargetGetsTheContent() throws {
    let dir = Self.tempDir()
    defer { Self.remove(dir) }
    try Files.writeAtomically(Array("precious\n".utf8), to: dir + "/precious")
    symlink("precious", dir + "/link")
    try Files.writeAtomically(Array("report\n".utf8), to: dir + "/link")
    #expect(Self.kind(dir + "/link") == S_IFLNK)
    #expect(try Self.text(dir + "/precious") == "report\n")
    // A chain of links, one of them absolute, ends at the same file.
    symlink(dir + "/link", dir + "/link2")
    try Files.writeAtomically(Array("again\n".utf8), to: dir + "/link2")
    #expect(Self.kind(dir + "/link2") == S_IFLNK && Self.kind(dir + "/link") == S_IFLNK)
    #expect(try Self.text(dir + "/precious") == "again\n")
    // A dangling link: its target is created, the link stays.
    symlink("later.csv", dir + "/dangling")
    try Files.writeAtomically(Array("new\n".utf8), to: dir + "/dangling")
    #expect(Self.kind(dir + "/dangling") == S_IFLNK)
    #expect(try Self.text(dir + "/later.csv") == "new\n")
    #expect(try Files.list(dir) == ["dangling", "later.csv", "link", "link2", "precious"])
  }

  @Test func aFIFOIsWrittenInPlaceForItsReader() throws {
    let dir = Self.tempDir()
    defer { Self.remove(dir) }
    let fifo = dir + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let reader = try FIFOReader(path: fifo)
    // More than a pipe holds (64 KiB): the writer must stream to the reader.
    let data = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let written = Result { () throws(FileError) in try Files.writeAtomically(data, to: fifo) }
    let got = reader.finish()
    _ = try written.get()
    #expect(got.count == data.count && got == data)
    #expect(Self.kind(fifo) == S_IFIFO)
  }

  @Test func aCharacterDeviceStaysADevice() throws {
    let dir = Self.tempDir()
    defer { Self.remove(dir) }
    let null = nullDevice(in: dir)
    var before = stat()
    #expect(lstat(null, &before) == 0 && before.st_mode & S_IFMT == S_IFCHR)
    try Files.writeAtomically(Array("discarded\n".utf8), to: null)
    var after = stat()
    #expect(lstat(null, &after) == 0)
    #expect(after.st_mode & S_IFMT == S_IFCHR && after.st_rdev == before.st_rdev && after.st_ino == before.st_ino)
    #expect(try Files.list(dir) == (null.hasPrefix(dir) ? ["null"] : []))  // no temporary file beside it
  }

  @Test func anInheritedDescriptorIsWrittenDirectly() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer { close(fds[0]) }
    try Files.writeAtomically(Array("through the pipe\n".utf8), to: "/dev/fd/\(fds[1])")
    close(fds[1])
    var buf = [UInt8](repeating: 0, count: 64)
    let n = read(fds[0], &buf, buf.count)
    #expect(String(decoding: buf.prefix(max(0, n)), as: UTF8.self) == "through the pipe\n")
  }

  @Test func aDirectoryIsRefused() {
    let dir = Self.tempDir()
    defer { Self.remove(dir) }
    let error = #expect(throws: FileError.self) { try Files.writeAtomically(Array("x".utf8), to: dir) }
    #expect(error?.message == "is a directory")
  }
}

/// A character device like `/dev/null` to write to.
///
/// As root, a private node (c 1 3) in `dir`: a bug that
/// replaced it cannot replace the machine's `/dev/null`. Otherwise `/dev/null` itself, which
/// a process without root cannot replace.
func nullDevice(in dir: String) -> String {
  let path = dir + "/null"
  var null = stat()
  guard getuid() == 0, stat("/dev/null", &null) == 0, mknod(path, S_IFCHR | 0o666, null.st_rdev) == 0 else {
    return "/dev/null"
  }
  return path
}

/// Reads a FIFO on its own thread, as `cat fifo` would, until `finish`.
///
/// The read end is opened without blocking before anything writes, so a writer's open
/// finds a reader at once, and a writer that never opens the FIFO cannot hang the test.
final class FIFOReader: @unchecked Sendable {
  private let fd: Int32
  private let lock = NSLock()
  private var data: [UInt8] = []
  private var writerDone = false
  private let ended = DispatchSemaphore(value: 0)

  init(path: String) throws {
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    Thread.detachNewThread { [self] in drain() }
  }

  private func drain() {
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&p, 1, 50)
      // Read after looking at the flag: once the writer is done, an empty read means all of it was read.
      let done = lock.withLock { writerDone }
      let n = read(fd, &buf, buf.count)
      if n > 0 {
        lock.withLock { data += buf[0..<n] }
      } else if done {
        break
      }
    }
    ended.signal()
  }

  /// Call once the writer has returned: what the reader got.
  func finish() -> [UInt8] {
    lock.withLock { writerDone = true }
    ended.wait()
    close(fd)
    return lock.withLock { data }
  }
}
