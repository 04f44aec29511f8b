import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// A read-only memory map of a whole file (empty files map to an empty buffer).
///
/// A pipe, a FIFO or a device (`cat rec | zonetop snapshot /dev/stdin`) cannot be mapped
/// (its size is 0): it is read to its end into memory instead.
public final class MappedFile: @unchecked Sendable {
  public let path: String
  public let bytes: UnsafeRawBufferPointer
  private let mapped: Bool
  /// The mapped file, kept open to see whether it shrank (-1 when nothing is mapped).
  private let fd: Int32

  public init(path: String) throws(FileError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let code = errno
      close(fd)
      throw FileError(path: path, errno: code)
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw FileError(path: path, message: "is a directory")
    }
    if (st.st_mode & S_IFMT) != S_IFREG {
      defer { close(fd) }
      bytes = try Self.readToEnd(fd, path: path)
      mapped = false
      self.fd = -1
      return
    }
    let size = Int(st.st_size)
    if size == 0 {
      close(fd)
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      mapped = false
      self.fd = -1
      return
    }
    guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
      let code = errno
      close(fd)
      throw FileError(path: path, errno: code)
    }
    madvise(m, size, MADV_SEQUENTIAL)
    bytes = UnsafeRawBufferPointer(start: m, count: size)
    mapped = true
    self.fd = fd
  }

  deinit {
    if mapped, let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    if !mapped, let base = bytes.baseAddress { UnsafeMutableRawPointer(mutating: base).deallocate() }
    if fd >= 0 { close(fd) }
  }

  /// Reads a stream to its end into memory it allocates (nil base when empty).
  private static func readToEnd(_ fd: Int32, path: String) throws(FileError) -> UnsafeRawBufferPointer {
    var data: [UInt8] = []
    try FileStream.forEachPiece(
      read: { (into, room) throws(FileError) -> Int in
        while true {
          let n = read(fd, into, room)
          if n < 0 && errno == EINTR { continue }
          if n < 0 { throw FileError(path: path, errno: errno) }
          return n
        }
      },
      { piece, _ in
        data.append(contentsOf: piece)
        return piece.count
      })
    guard !data.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    let owned = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
    data.withUnsafeBytes { owned.copyMemory(from: $0) }
    return UnsafeRawBufferPointer(owned)
  }

  /// Whether the file still has every byte that was mapped.
  ///
  /// Reading a mapped page past the end of a file that shrank (logrotate's copytruncate,
  /// a writer cutting a torn tail) raises SIGBUS: callers check this (one fstat) before
  /// they read on.
  public func isWhole() -> Bool {
    guard mapped else { return true }
    var st = stat()
    return fstat(fd, &st) == 0 && Int(st.st_size) >= bytes.count
  }

  /// A copy of the bytes of `range`, read from the file (pread) when it is mapped: a file
  /// that shrank gives a short read (nil) instead of SIGBUS.
  public func copy(_ range: Range<Int>) -> [UInt8]? {
    guard mapped else { return Array(bytes[range]) }
    var failed = false
    let out = [UInt8](unsafeUninitializedCapacity: range.count) { buf, initialized in
      var got = 0
      while got < range.count {
        // Force unwrap: the buffer is not empty (got < range.count).
        // swift-format-ignore: NeverForceUnwrap
        let n = pread(fd, buf.baseAddress! + got, range.count - got, off_t(range.lowerBound + got))
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        got += n
      }
      failed = got < range.count
      initialized = got
    }
    return failed ? nil : out
  }

  /// Unmaps the pages of `range` (those wholly before its end): they stay in the page
  /// cache and map again if read, so the resident size counts what is being read now.
  public func releasePages(_ range: Range<Int>) {
    guard mapped, let base = bytes.baseAddress else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = (max(0, range.lowerBound) / page) * page
    let end = (min(bytes.count, range.upperBound) / page) * page
    if end > start { madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED) }
  }

  /// For a reader going through the file once, front to back, told how far it has read:
  /// releases the pages behind it, 64 MiB at a time and at the end of the file.
  public func releasingBehind() -> (Int) -> Void {
    var released = 0
    return { [self] offset in
      guard offset - released >= 64 << 20 || offset >= bytes.count else { return }
      releasePages(released..<offset)
      released = offset
    }
  }
}

/// A file-system error with the path and the reason, in words.
public struct FileError: Error, CustomStringConvertible, Sendable {
  public let path: String
  public let message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  public init(path: String, errno code: Int32) {
    self.path = path
    self.message = String(cString: strerror(code)).lowercased()
  }

  public var description: String { "\(path): \(message)" }
}

/// Small file helpers.
public enum Files {
  /// Reads a whole file into memory.
  public static func read(_ path: String) throws(FileError) -> [UInt8] {
    let m = try MappedFile(path: path)
    return Array(m.bytes)
  }

  /// Writes `data` to `path` without replacing what is there unless it is a plain file.
  ///
  /// Like `curl -o` and `sort -o`, by what the path is:
  /// - a regular file, or nothing yet: atomically, through a temporary file beside it,
  ///   fsync, rename and an fsync of the directory, so a reader never sees a half-written
  ///   file under `path`;
  /// - a symlink: its target, atomically in the same way; the link stays a link;
  /// - a FIFO, a device or another file that is not regular: opened and written in place
  ///   (a rename would replace the node, e.g. `/dev/null`, for every other process);
  /// - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N`: that descriptor.
  public static func writeAtomically(_ data: [UInt8], to path: String) throws(FileError) {
    if let fd = inheritedDescriptor(path) {
      guard fcntl(fd, F_GETFL) >= 0 else { throw FileError(path: path, errno: EBADF) }
      guard data.withUnsafeBytes({ writeAll(fd, $0) }) else { throw FileError(path: path, errno: errno) }
      return
    }
    var st = stat()
    if stat(path, &st) == 0 {
      switch st.st_mode & S_IFMT {
      case S_IFREG: break
      case S_IFDIR: throw FileError(path: path, message: "is a directory")
      case let kind: return try writeInPlace(data, to: path, truncate: kind != S_IFIFO && kind != S_IFCHR)
      }
    } else if errno != ENOENT {
      throw FileError(path: path, errno: errno)
    }
    // A regular file, a new one, or a symlink to either (a dangling one creates its target).
    let target = try resolvingSymlinks(path)
    var existing = stat()
    let exists = stat(target, &existing) == 0
    try replace(data, at: target, shownAs: path, like: exists ? existing : nil)
  }

  /// The descriptor a path names when it is one of this process's own (`/dev/stdout`, `/dev/fd/3`).
  ///
  /// Written to directly: reopening it would lose `>>`'s append mode, and a socket cannot be reopened.
  static func inheritedDescriptor(_ path: String) -> Int32? {
    switch path {
    case "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default:
      for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
        return Int32(path.dropFirst(prefix.count)).flatMap { $0 >= 0 ? $0 : nil }
      }
      return nil
    }
  }

  /// The path a symlink chain ends at (the last component's links; directories on the way
  /// are left to the kernel), or `path` itself when it is not a link.
  static func resolvingSymlinks(_ path: String) throws(FileError) -> String {
    var p = path
    for _ in 0..<40 {
      var st = stat()
      guard lstat(p, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return p }
      var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let n = readlink(p, &buf, buf.count - 1)
      guard n > 0 else { throw FileError(path: path, errno: n < 0 ? errno : ENOENT) }
      let link = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      p = link.hasPrefix("/") ? link : directory(of: p) + "/" + link
    }
    throw FileError(path: path, errno: ELOOP)
  }

  /// The directory part of a path (`.` for a bare name, `/` for a name in the root).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let dir = String(path[..<slash])
    return dir.isEmpty ? "/" : dir
  }

  /// Opens a FIFO, device or other special file and writes it in place.
  static func writeInPlace(_ data: [UInt8], to path: String, truncate: Bool) throws(FileError) {
    let fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (truncate ? O_TRUNC : 0))
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    let ok = data.withUnsafeBytes { writeAll(fd, $0) }
    let err = errno
    close(fd)
    guard ok else { throw FileError(path: path, errno: err) }
  }

  /// Replaces (or creates) the regular file `path` atomically: a temporary file in its
  /// directory, fsync, rename, fsync of the directory.
  ///
  /// A replaced file keeps its permissions and, where allowed, its owner.
  static func replace(_ data: [UInt8], at path: String, shownAs shown: String, like old: stat?) throws(FileError) {
    let dir = directory(of: path)
    var template = Array(dir.utf8CString.dropLast()) + Array("/.zonetop-XXXXXX".utf8CString)
    // Force unwrap: the template is not empty.
    // swift-format-ignore: NeverForceUnwrap
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw FileError(path: shown, errno: errno) }
    let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var ok = data.withUnsafeBytes { writeAll(fd, $0) }
    ok = ok && fsync(fd) == 0
    let err = errno
    if let old {
      _ = fchown(fd, old.st_uid, old.st_gid)
      fchmod(fd, old.st_mode & 0o777)
    } else {
      fchmod(fd, 0o644)
    }
    close(fd)
    guard ok else {
      unlink(tmp)
      throw FileError(path: shown, errno: err)
    }
    guard rename(tmp, path) == 0 else {
      let e = errno
      unlink(tmp)
      throw FileError(path: shown, errno: e)
    }
    // The rename is durable once the directory is on disk too.
    let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dfd >= 0 else { return }
    defer { close(dfd) }
    if fsync(dfd) != 0 && errno != EINVAL && errno != EROFS { throw FileError(path: shown, errno: errno) }
  }

  /// Writes all bytes, retrying on short writes and EINTR.
  public static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) -> Bool {
    var off = 0
    while off < buf.count {
      // Force unwrap: the buffer is not empty (off < buf.count).
      // swift-format-ignore: NeverForceUnwrap
      let n = write(fd, buf.baseAddress! + off, buf.count - off)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      off += n
    }
    return true
  }

  /// Writes the pieces in order with one `writev` (then, after a short write, the rest
  /// piece by piece); false on an error, with `errno` set.
  public static func writeAll(_ fd: Int32, _ pieces: [UnsafeRawBufferPointer]) -> Bool {
    var vectors = pieces.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
    let total = pieces.reduce(0) { $0 + $1.count }
    var n: Int
    repeat { n = writev(fd, &vectors, Int32(vectors.count)) } while n < 0 && errno == EINTR
    if n < 0 { return false }
    if n == total { return true }
    // A short write (a pipe, a full disk): the rest of each piece after what was written.
    var skip = n
    for p in pieces {
      let from = min(skip, p.count)
      skip -= from
      if from < p.count, !writeAll(fd, UnsafeRawBufferPointer(rebasing: p[from...])) { return false }
    }
    return true
  }

  public static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
  }

  /// Names in a directory, sorted, without `.` and `..`.
  public static func list(_ path: String) throws(FileError) -> [String] {
    guard let d = opendir(path) else { throw FileError(path: path, errno: errno) }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        // Force unwrap: d_name is a fixed-size array.
        // swift-format-ignore: NeverForceUnwrap
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }
}
