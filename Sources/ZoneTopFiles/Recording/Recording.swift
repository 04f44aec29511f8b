import CChecksum
import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// One scrape: target, time, HTTP status and the exposition body exactly as received.
public struct Frame: Sendable {
  /// The scraped URL (or the scrape directory's target name).
  public var target: String
  /// Scrape start time, milliseconds since the Unix epoch.
  public var timeMs: Int64
  /// HTTP status; 0 when the scrape failed before any response.
  public var status: Int
  public var contentType: String?
  /// Why the scrape failed, in words, when it did.
  public var error: String?
  public var body: [UInt8]

  public init(
    target: String, timeMs: Int64, status: Int, contentType: String? = nil, error: String? = nil, body: [UInt8] = []
  ) {
    self.target = target
    self.timeMs = timeMs
    self.status = status
    self.contentType = contentType
    self.error = error
    self.body = body
  }

  public var isSuccess: Bool { status >= 200 && status < 300 && error == nil }
}

/// The zonetop recording format, documented in the README.
///
///     ZONETOP-RECORDING 1\n
///     @frame v1 time_ms=T status=S length=N crc32c=HEX target=URL [content_type=CT] [error=MSG]\n
///     <N bytes of body>\n
///     ...
///
/// Text values are percent-encoded; the body follows its header line verbatim.
/// Frames are appended with one write each, so a killed writer leaves at most
/// one torn frame at the end, which readers detect (length and CRC) and skip.
public enum RecordingFormat {
  public static let magic: [UInt8] = Array("ZONETOP-RECORDING 1\n".utf8)
  static let framePrefix: [UInt8] = Array("@frame v1 ".utf8)

  /// The longest header line a reader looks for (its newline within this many bytes).
  public static let maxHeaderBytes = 1 << 16
  /// The UTF-8 bytes of each text field kept in a header: percent-encoded (at most three
  /// bytes each) they fit `maxHeaderBytes` together, so every frame written can be read.
  public static let maxTargetBytes = 16 << 10
  public static let maxContentTypeBytes = 1 << 10
  public static let maxErrorBytes = 4 << 10

  /// Encodes one frame (header line, body, newline).
  ///
  /// Text fields longer than their limit are cut at a character boundary: a 70 KB
  /// target wrote a header no reader could find the end of, and the frame was lost.
  public static func encode(_ frame: Frame) -> [UInt8] {
    var out = header(frame)
    out.reserveCapacity(out.count + frame.body.count + 1)
    out.append(contentsOf: frame.body)
    out.append(0x0A)
    return out
  }

  /// A frame's header line, newline included: the body and one newline follow it.
  public static func header(_ frame: Frame) -> [UInt8] {
    let crc = frame.body.withUnsafeBytes { FrameChecksum.compute($0) }
    let target = PercentEncoding.encode(prefix(frame.target, maxBytes: maxTargetBytes))
    var header =
      "@frame v1 time_ms=\(frame.timeMs) status=\(frame.status) length=\(frame.body.count) crc32c=\(hex8(crc)) target=\(target)"
    if let ct = frame.contentType {
      header += " content_type=" + PercentEncoding.encode(prefix(ct, maxBytes: maxContentTypeBytes))
    }
    if let e = frame.error { header += " error=" + PercentEncoding.encode(prefix(e, maxBytes: maxErrorBytes)) }
    header += "\n"
    return Array(header.utf8)
  }

  /// The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends between characters.
  public static func prefix(_ s: String, maxBytes: Int) -> String {
    guard s.utf8.count > maxBytes else { return s }
    var out = ""
    var bytes = 0
    for c in s {
      bytes += c.utf8.count
      guard bytes <= maxBytes else { break }
      out.append(c)
    }
    return out
  }

  static func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
  }
}

/// A frame inside a recording buffer: header fields and the body's byte range.
public struct FrameRef: Sendable {
  public var target: String
  public var timeMs: Int64
  public var status: Int
  public var contentType: String?
  public var error: String?
  /// Byte offset of the body in the recording buffer.
  public var bodyOffset: Int
  public var bodyLength: Int
  /// The checksum the header promises for the body.
  public var checksum: FrameChecksum
  /// Byte offset of the frame's header line.
  public var offset: Int
}

/// A frame body's checksum: CRC-32C (`crc32c=`).
public struct FrameChecksum: Sendable, Equatable {
  public var value: UInt32

  public static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    bytes.isEmpty ? 0 : zt_crc32c(0, bytes.baseAddress, bytes.count)
  }

  public func matches(_ bytes: UnsafeRawBufferPointer) -> Bool { Self.compute(bytes) == value }
}

/// Reads a recording from memory: every whole frame, and what was wrong with the rest.
public struct RecordingReader {
  /// Frames in file order.
  public private(set) var frames: [FrameRef] = []
  /// Problems found: a torn last frame, corrupt frames skipped in the middle.
  public private(set) var problems: [String] = []
  /// Where the valid data ends (a writer appending truncates here).
  public private(set) var validEnd = 0
  /// Bytes checksummed while looking for the next frame after a corrupt one (for tests:
  /// bounded by about twice the file's size, however the corrupt headers nest).
  public private(set) var resyncChecksummedBytes = 0

  /// Indexes `bytes`, which must stay alive while frames are used.
  ///
  /// `path` names problems.
  /// With `verifyChecksums` false only the last frame's checksum is checked here (a torn
  /// write); the caller checks each body's checksum when it reads it. `read` is called
  /// with the offset up to which the bytes have been read, after each frame and at the
  /// end (a caller holding them in a memory map can release the pages behind).
  /// `isWhole` is asked before each frame whether all of `bytes` can still be read (a
  /// memory-mapped file that shrank raises SIGBUS where it is read past its new end).
  public init(
    _ bytes: UnsafeRawBufferPointer, path: String, verifyChecksums: Bool = true, read: (Int) -> Void = { _ in },
    isWhole: () -> Bool = { true }
  ) {
    defer { read(bytes.count) }
    guard isWhole() else {
      problems.append("\(path): the recording shrank while it was read: no frames")
      return
    }
    let magic = RecordingFormat.magic
    guard bytes.count >= magic.count, zip(bytes.prefix(magic.count), magic).allSatisfy({ $0 == $1 }) else {
      if bytes.count < magic.count && zip(bytes, magic).allSatisfy({ $0 == $1 }) {
        problems.append("\(path): torn file header (\(bytes.count) bytes): no frames")
      } else {
        problems.append("\(path): not a zonetop recording (expected \"ZONETOP-RECORDING 1\" on the first line)")
      }
      return
    }
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
    var pos = magic.count
    validEnd = pos
    let end = bytes.count
    while pos < end {
      guard isWhole() else {
        problems.append(
          "\(path): byte \(pos): the recording shrank while it was read; \(frames.count) whole frames kept")
        return
      }
      switch Self.frame(at: pos, base, end, verify: verifyChecksums) {
      case .frame(let f, let next)
      where !verifyChecksums && next == end
        && !f.checksum.matches(UnsafeRawBufferPointer(start: base + f.bodyOffset, count: f.bodyLength)):
        problems.append(
          "\(path): byte \(pos): torn last frame ignored (checksum mismatch); \(frames.count) whole frames kept")
        return
      case .frame(let f, let next):
        frames.append(f)
        pos = next
        validEnd = next
        read(next)
      case .refused(let why, _, let next):
        // Whole and intact, but not believable: skipped, and kept on disk for a writer appending.
        problems.append("\(path): byte \(pos): \(why)")
        pos = next
        validEnd = next
        read(next)
      case .torn(let why):
        switch nextFrameStart(after: pos, base, end) {
        case .found(let resume):
          problems.append("\(path): byte \(pos): corrupt frame skipped (\(why))")
          pos = resume
        case .none:
          problems.append("\(path): byte \(pos): torn last frame ignored (\(why)); \(frames.count) whole frames kept")
          return
        case .gaveUp(let at):
          problems.append(
            "\(path): byte \(pos): corrupt frame skipped (\(why)); stopped looking for whole frames at byte \(at): "
              + "the corrupt headers claim overlapping bodies; \(frames.count) whole frames kept")
          return
        }
      }
    }
  }

  private enum Parsed {
    case frame(FrameRef, next: Int)
    /// A whole frame whose header says something impossible (a time outside `PlausibleTime`).
    case refused(String, FrameRef, next: Int)
    case torn(String)
  }

  private static func frame(at pos: Int, _ p: UnsafePointer<UInt8>, _ end: Int, verify: Bool) -> Parsed {
    let prefix = RecordingFormat.framePrefix
    guard end - pos >= prefix.count, memcmp(p + pos, prefix, prefix.count) == 0 else {
      return .torn("no \"@frame v1\" header")
    }
    guard let nl = memchr(p + pos, 0x0A, min(end - pos, RecordingFormat.maxHeaderBytes)) else {
      return .torn("header line incomplete")
    }
    let headerEnd = UnsafeRawPointer(nl).assumingMemoryBound(to: UInt8.self) - p
    let header = String(
      decoding: UnsafeBufferPointer(start: p + pos + prefix.count, count: headerEnd - pos - prefix.count), as: UTF8.self
    )
    var fields: [Substring: Substring] = [:]
    for part in header.split(separator: " ") {
      guard let eq = part.firstIndex(of: "=") else { return .torn("malformed header field") }
      fields[part[..<eq]] = part[part.index(after: eq)...]
    }
    guard let timeText = fields["time_ms"], let status = fields["status"].flatMap({ Int($0) }),
      let lengthText = fields["length"], let crc = fields["crc32c"].flatMap({ UInt32($0, radix: 16) }),
      let target = fields["target"]
    else { return .torn("header is missing time_ms, status, length, crc32c or target") }
    // Numbers from the file are untrusted: a length near Int.max must not overflow below.
    guard let length = Int(lengthText), length >= 0 else {
      return .torn("invalid length=\(Sanitize.short(String(lengthText)))")
    }
    guard let t = Int64(timeText) else { return .torn("invalid time_ms=\(Sanitize.short(String(timeText)))") }
    let checksum = FrameChecksum(value: crc)
    let bodyStart = headerEnd + 1
    // `end - bodyStart` is at least 0 (the header's newline is before `end`); the body and its newline must fit.
    guard length < end - bodyStart else {
      return .torn("body has \(end - bodyStart) of \(length) bytes")
    }
    guard p[bodyStart + length] == 0x0A else { return .torn("frame terminator missing") }
    if verify && !checksum.matches(UnsafeRawBufferPointer(start: p + bodyStart, count: length)) {
      return .torn("checksum mismatch")
    }
    let f = FrameRef(
      target: PercentEncoding.decode(target), timeMs: t, status: status,
      contentType: fields["content_type"].map { PercentEncoding.decode($0) },
      error: fields["error"].map { PercentEncoding.decode($0) },
      bodyOffset: bodyStart, bodyLength: length, checksum: checksum, offset: pos)
    guard PlausibleTime.contains(ms: t) else {
      return .refused(
        "frame of \(Sanitize.short(f.target, limit: 80)) skipped: time_ms=\(t) is outside \(PlausibleTime.text)", f,
        next: bodyStart + length + 1)
    }
    return .frame(f, next: bodyStart + length + 1)
  }

  private enum Resync {
    case found(Int)
    case none
    /// The checksum budget ran out at this offset.
    case gaveUp(Int)
  }

  /// The start of the next believable frame after a corrupt one at `pos`.
  ///
  /// A candidate is a `@frame v1 ` header at the start of a line whose claimed body
  /// ends with a newline followed by the end of the file or another frame header;
  /// only such a candidate has its body checksummed. Corrupt headers can claim nested
  /// bodies (each "the rest of the file"), which made this quadratic: 2.8 MB took
  /// 20.8 s. The bytes checksummed here are therefore capped at twice the file's
  /// size plus 1 MiB over the whole read: ordinary damage (bodies that do not overlap)
  /// stays far below that.
  private mutating func nextFrameStart(after pos: Int, _ p: UnsafePointer<UInt8>, _ end: Int) -> Resync {
    let needle: [UInt8] = [0x0A] + RecordingFormat.framePrefix
    let prefix = RecordingFormat.framePrefix
    let budget = 2 * end + (1 << 20)
    var i = pos + 1
    while i < end {
      guard let hit = memchr(p + i, 0x0A, end - i) else { return .none }
      let at = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - p
      if end - at >= needle.count && memcmp(p + at, needle, needle.count) == 0 {
        // The header is parsed without its checksum: `frame` reads up to the header's
        // newline, and the candidates' header lines do not overlap.
        let candidate: (FrameRef, next: Int)?
        switch Self.frame(at: at + 1, p, end, verify: false) {
        case .frame(let f, let next), .refused(_, let f, let next): candidate = (f, next)
        case .torn: candidate = nil
        }
        if let (f, next) = candidate,
          next == end || (end - next >= prefix.count && memcmp(p + next, prefix, prefix.count) == 0)
        {
          if resyncChecksummedBytes + f.bodyLength > budget { return .gaveUp(at + 1) }
          resyncChecksummedBytes += f.bodyLength
          if f.checksum.matches(UnsafeRawBufferPointer(start: p + f.bodyOffset, count: f.bodyLength)) {
            return .found(at + 1)
          }
        }
      }
      i = at + 1
    }
    return .none
  }
}

/// Appends frames to a recording, one `write` per frame.
public final class RecordingWriter {
  public let path: String
  private let fd: Int32

  /// Opens (or creates) a recording for appending.
  ///
  /// An existing file's torn
  /// tail (a writer killed mid-frame) is cut off first so new frames follow
  /// the last whole one.
  public init(path: String) throws(FileError) {
    self.path = path
    var named = stat()
    if stat(path, &named) == 0 && (named.st_mode & S_IFMT == S_IFIFO || named.st_mode & S_IFMT == S_IFCHR) {
      // A FIFO, `-o >(cmd)` (a pipe under /dev/fd) or a device: a stream, written from the
      // file header on, as `curl -o` would. Opened for reading too, a FIFO took frames into
      // its buffer with no reader, then blocked the writer for good ("recorded 0 rounds").
      let fifo = named.st_mode & S_IFMT == S_IFIFO
      let fd = open(path, O_WRONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0))
      guard fd >= 0 else {
        if errno == ENXIO { throw FileError(path: path, message: "is a FIFO that no process reads") }
        throw FileError(path: path, errno: errno)
      }
      self.fd = fd
      if fifo { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
      let ok = RecordingFormat.magic.withUnsafeBytes { Files.writeAll(fd, $0) }
      guard ok else { throw FileError(path: path, errno: errno) }
      return
    }
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    self.fd = fd
    // From here on the writer is fully initialized: a throw releases it and `deinit`
    // closes `fd`. Closing it here as well closed it twice, and under threads the
    // second close hit a descriptor another thread had just opened.
    var st = stat()
    fstat(fd, &st)
    // One writer a file: a second (another `record`, a TUI's --record) would write its
    // frames at its own offsets over the first's, and cut the first's frame in progress
    // as a torn tail. The lock goes with this open file and ends when it is closed.
    // A file system without flock records unlocked, as before.
    if flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
      let holder = Self.lockHolder(device: st.st_dev, inode: st.st_ino).map { "pid \($0) holds its lock" }
      throw FileError(path: path, message: "is being written by another zonetop (\(holder ?? "its lock is held"))")
    }
    var size = Int(st.st_size)
    if size > 0 && size < RecordingFormat.magic.count {
      // A writer killed while writing the file header: start the file again.
      let head = (try? Files.read(path)) ?? []
      if RecordingFormat.magic.starts(with: head) {
        ftruncate(fd, 0)
        size = 0
      }
    }
    if size == 0 {
      let ok = RecordingFormat.magic.withUnsafeBytes { Files.writeAll(fd, $0) }
      guard ok else { throw FileError(path: path, errno: errno) }
    } else {
      let existing: MappedFile
      existing = try MappedFile(path: path)
      // Every frame's checksum is checked: the pages behind go back as it reads.
      let reader = RecordingReader(existing.bytes, path: path, read: existing.releasingBehind())
      guard reader.validEnd > 0 else {
        throw FileError(path: path, message: "exists and is not a zonetop recording; refusing to append")
      }
      if reader.validEnd < existing.bytes.count { ftruncate(fd, off_t(reader.validEnd)) }
    }
    lseek(fd, 0, SEEK_END)
  }

  deinit { close(fd) }

  /// The process holding a flock on the file (device, inode), from `/proc/locks`; nil when not found.
  static func lockHolder(device: dev_t, inode: ino_t) -> Int32? {
    let fd = open("/proc/locks", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var text: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while text.count < 1 << 22 {
      let n = read(fd, &buf, buf.count)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      text += buf[0..<n]
    }
    // glibc's dev_t: the major number in bits 8-19 and 32-43, the minor in bits 0-7 and 20-31.
    let major = (UInt64(device) >> 8) & 0xfff | (UInt64(device) >> 32) & ~0xfff
    let minor = UInt64(device) & 0xff | (UInt64(device) >> 12) & ~0xff
    // `1: FLOCK  ADVISORY  WRITE 1234 fd:01:56789 0 EOF` (waiters have `->` before FLOCK).
    for line in text.split(separator: 0x0A) {
      let fields = line.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
      guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
      let id = fields[5].split(separator: ":")
      guard id.count == 3, UInt64(id[0], radix: 16) == major, UInt64(id[1], radix: 16) == minor,
        UInt64(id[2]) == UInt64(inode)
      else { continue }
      return pid
    }
    return nil
  }

  /// Appends one frame with a single write: its header, body and newline gathered by
  /// `writev` from where they are (copying a 1.8 MB body into a new buffer first cost a
  /// third of `record`'s time at 1,000 targets).
  public func append(_ frame: Frame) throws(FileError) {
    let header = RecordingFormat.header(frame)
    let newline: [UInt8] = [0x0A]
    let ok = header.withUnsafeBytes { h in
      frame.body.withUnsafeBytes { b in newline.withUnsafeBytes { n in Files.writeAll(fd, [h, b, n]) } }
    }
    if !ok { throw FileError(path: path, errno: errno) }
  }
}

/// Percent-encoding of header values (space, `%`, control and non-ASCII bytes).
public enum PercentEncoding {
  public static func encode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
      if b <= 0x20 || b >= 0x7F || b == UInt8(ascii: "%") || b == UInt8(ascii: "=") {
        out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
      } else {
        out.unicodeScalars.append(Unicode.Scalar(b))
      }
    }
    return out
  }

  public static func decode(_ s: Substring) -> String {
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.popFirst() {
      if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
      {
        bytes.append(v)
        it = it.dropFirst(2)
      } else {
        bytes.append(b)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
