import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// A read-only memory map of a whole file (empty files map to an empty buffer).
public final class MappedFile: @unchecked Sendable {
  public let path: String
  public let bytes: UnsafeRawBufferPointer
  private let mapped: Bool

  public init(path: String) throws(FileError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw FileError(path: path, errno: errno) }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, message: "is a directory") }
    let size = Int(st.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      mapped = false
      return
    }
    guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
      throw FileError(path: path, errno: errno)
    }
    madvise(m, size, MADV_SEQUENTIAL)
    bytes = UnsafeRawBufferPointer(start: m, count: size)
    mapped = true
  }

  deinit {
    if mapped, let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
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

  /// Writes `data` to `path` atomically: a temporary file beside it, fsync, then rename.
  ///
  /// A reader never sees a half-written file under `path`.
  public static func writeAtomically(_ data: [UInt8], to path: String) throws(FileError) {
    let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    var template = Array((dir.isEmpty ? "/" : dir).utf8CString.dropLast()) + Array("/.zonetop-XXXXXX".utf8CString)
    // Force unwrap: the template is not empty.
    // swift-format-ignore: NeverForceUnwrap
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var ok = data.withUnsafeBytes { writeAll(fd, $0) }
    ok = ok && fsync(fd) == 0
    let err = errno
    fchmod(fd, 0o644)
    close(fd)
    guard ok else {
      unlink(tmp)
      throw FileError(path: path, errno: err)
    }
    guard rename(tmp, path) == 0 else {
      let e = errno
      unlink(tmp)
      throw FileError(path: path, errno: e)
    }
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
