import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// A file read from start to end in pieces through one small buffer that stays in the
/// CPU cache: no mapping of the whole file, memory independent of its size.
///
/// A file it opened is closed when the stream is released.
public final class FileStream {
  public let path: String
  /// The file's size when it was opened.
  public let size: Int
  /// A regular file (seekable, with a size), not a pipe or a device.
  public let isRegularFile: Bool
  private let fd: Int32
  private let ownsDescriptor: Bool

  /// Opens `path` for reading; a directory or an unreadable file is an error in words.
  public convenience init(path: String) throws(FileError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    try self.init(fd: fd, path: path, owned: true)
  }

  /// Standard input, named `<stdin>` in errors (left open when released).
  public static func standardInput() throws(FileError) -> FileStream {
    try FileStream(fd: 0, path: "<stdin>", owned: false)
  }

  private init(fd: Int32, path: String, owned: Bool) throws(FileError) {
    self.path = path
    self.fd = fd
    ownsDescriptor = owned
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let code = errno
      if owned { close(fd) }
      throw FileError(path: path, errno: code)
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      if owned { close(fd) }
      throw FileError(path: path, message: "is a directory")
    }
    size = Int(st.st_size)
    isRegularFile = (st.st_mode & S_IFMT) == S_IFREG
  }

  deinit { if ownsDescriptor { close(fd) } }

  /// The rest of this stream (a pipe, a terminal, a device) copied to an unlinked temporary
  /// file in `TMPDIR` (else /tmp), and that file as a regular, seekable stream named like
  /// this one: input that has to be looked at before it is read (its head and tail) then
  /// costs disk, not memory.
  public func spooled() throws(FileError) -> FileStream {
    let dir = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array((dir + "/zonetop-spool-XXXXXX").utf8CString)
    let out = template.withUnsafeMutableBufferPointer { b -> Int32 in
      guard let base = b.baseAddress else { return -1 }
      let fd = mkstemp(base)
      if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
      return fd
    }
    guard out >= 0 else {
      throw FileError(
        path: path, message: "cannot make a temporary file in \(dir) to read it: \(String(cString: strerror(errno)))")
    }
    // Unlinked at once: the file goes when the stream is released, whatever happens.
    template.withUnsafeBufferPointer { b in if let base = b.baseAddress { _ = unlink(base) } }
    var writeError: Int32 = 0
    do throws(FileError) {
      try forEachPiece { piece, _ in
        if writeError == 0 && !Files.writeAll(out, piece) { writeError = errno }
        return piece.count
      }
    } catch {
      close(out)
      throw error
    }
    guard writeError == 0, lseek(out, 0, SEEK_SET) == 0 else {
      let code = writeError != 0 ? writeError : errno
      close(out)
      throw FileError(
        path: path, message: "cannot copy it to a temporary file in \(dir): \(String(cString: strerror(code)))")
    }
    return try FileStream(fd: out, path: path, owned: true)
  }

  /// Everything left to read, in memory (for input that has to be seen whole first).
  public func readAll() throws(FileError) -> [UInt8] {
    var all: [UInt8] = []
    try forEachPiece { piece, _ in
      all.append(contentsOf: piece)
      return piece.count
    }
    return all
  }

  /// Up to `count` bytes at `offset` (for a look at the head or the tail), without
  /// moving the read position.
  public func bytes(at offset: Int, count: Int) throws(FileError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: max(0, count))
    var got = 0
    while got < out.count {
      // Force unwrap: the buffer is not empty (got < out.count).
      // swift-format-ignore: NeverForceUnwrap
      let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, $0.count - got, off_t(offset + got)) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 { throw FileError(path: path, errno: errno) }
      if n == 0 { break }
      got += n
    }
    return Array(out[0..<got])
  }

  /// Reads the file to its end and hands `consume` the bytes read so far that it has not
  /// used yet; `consume` returns how many it used (whole lines, say) and sees the rest
  /// again, followed by more, in the next call.
  ///
  /// The last call has `isLast` set and must
  /// use everything. The buffer doubles when nothing of a full buffer was used.
  public func forEachPiece(
    bufferSize: Int = 1 << 18,
    _ consume: (UnsafeRawBufferPointer, _ isLast: Bool) -> Int
  ) throws(FileError) {
    try Self.forEachPiece(
      bufferSize: bufferSize,
      read: { (into, room) throws(FileError) -> Int in
        while true {
          let n = read(fd, into, room)
          if n < 0 && errno == EINTR { continue }
          if n < 0 { throw FileError(path: path, errno: errno) }
          return n
        }
      }, consume)
  }

  /// `forEachPiece` over any source: `read` fills at most `room` bytes at `into` and
  /// returns how many (0 at the end).
  public static func forEachPiece(
    bufferSize: Int = 1 << 18,
    read: (_ into: UnsafeMutableRawPointer, _ room: Int) throws(FileError) -> Int,
    _ consume: (UnsafeRawBufferPointer, _ isLast: Bool) -> Int
  ) throws(FileError) {
    var capacity = max(bufferSize, 16)
    var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    var filled = 0
    while true {
      let n = try read(buffer + filled, capacity - filled)
      if n == 0 {
        _ = consume(UnsafeRawBufferPointer(start: buffer, count: filled), true)
        return
      }
      filled += n
      let used = consume(UnsafeRawBufferPointer(start: buffer, count: filled), false)
      if used > 0 {
        filled -= used
        if filled > 0 { memmove(buffer, buffer + used, filled) }
      }
      if filled == capacity {
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
        bigger.copyMemory(from: buffer, byteCount: filled)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
      }
    }
  }
}
