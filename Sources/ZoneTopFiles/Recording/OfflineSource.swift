import Glibc
import ZoneTopExposition
import ZoneTopTraffic

/// Recorded scrapes read from disk: a zonetop recording (optionally gzip-compressed),
/// a scrape directory (`DIR/TARGET/TIME.prom[.gz]` or `DIR/TIME.prom[.gz]`), or one
/// exposition file.
///
/// Frames are sorted by scrape time.
public final class OfflineSource: @unchecked Sendable {
  /// What the path turned out to be.
  public enum Kind: String, Sendable {
    case recording, directory, file
  }

  /// One recorded scrape and where its body is.
  public struct Entry: Sendable {
    public var target: String
    public var timeMs: Int64
    public var status: Int
    public var contentType: String?
    public var error: String?
    fileprivate var location: Location
    public var isSuccess: Bool { status >= 200 && status < 300 && error == nil }
  }

  fileprivate enum Location: Sendable {
    case recording(offset: Int, length: Int, checksum: FrameChecksum)
    case file(path: String)
  }

  public let path: String
  public let kind: Kind
  /// Check each recorded body's CRC-32 when it is read (on by default; torn last
  /// frames are caught by their length whatever this says).
  public var verifyChecksums = true
  public private(set) var entries: [Entry] = []
  /// Problems found while indexing (torn frames, unreadable or misnamed files).
  public private(set) var problems: [String] = []
  private var mapped: MappedFile?
  /// A decompressed recording, owned here (its address must stay fixed while entries point into it).
  private var inflated: UnsafeMutableRawBufferPointer?

  public init(path: String) throws(FileError) {
    self.path = path
    if Files.isDirectory(path) {
      kind = .directory
      try indexDirectory()
      return
    }
    var file = try MappedFile(path: path)
    var bytes = file.bytes
    var inflateProblem: String?
    if Gzip.isGzip(bytes), let inflatedFile = Self.inflateToFile(bytes) {
      let (spool, error) = inflatedFile
      // Inflated into an unlinked temporary file and mapped: its pages are the page cache's and
      // are released as indexing goes, so memory does not grow with the recording.
      if let error {
        guard spool.bytes.starts(with: RecordingFormat.magic) else { throw FileError(path: path, message: "\(error)") }
        inflateProblem = "\(path): \(error); the whole frames before it are kept"
      }
      file = spool
      bytes = spool.bytes
      mapped = spool
    } else if Gzip.isGzip(bytes) {
      // No temporary file could be made: inflated in memory.
      let (data, error) = Gzip.inflatePartially(bytes, limit: 1 << 34)
      if let error {
        // A torn or damaged .ztrec.gz keeps the whole frames inflated before the damage,
        // like an uncompressed recording keeps those before a tear; anything else is refused.
        guard data.starts(with: RecordingFormat.magic) else { throw FileError(path: path, message: "\(error)") }
        inflateProblem = "\(path): \(error); the whole frames before it are kept"
      }
      let owned = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, data.count), alignment: 16)
      data.withUnsafeBytes { owned.copyMemory(from: $0) }
      inflated = owned
      bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned)[0..<data.count])
    } else {
      mapped = file
    }
    let magic = RecordingFormat.magic
    if bytes.count >= 9 && zip(bytes.prefix(9), magic.prefix(9)).allSatisfy({ $0 == $1 }) {
      kind = .recording
      // Bodies are checksummed when read (in the worker that parses them), not here:
      // indexing only touches the headers of a memory-mapped recording.
      // Reading a header maps the pages around it (a whole folio or 64 KiB): they are
      // released as indexing goes, so resident memory stays bounded whatever the size.
      let reader = RecordingReader(
        bytes, path: path, verifyChecksums: false,
        read: inflated == nil ? file.releasingBehind() : { _ in }, isWhole: file.isWhole)
      problems = (inflateProblem.map { [$0] } ?? []) + reader.problems
      entries = reader.frames.map {
        Entry(
          target: $0.target, timeMs: $0.timeMs, status: $0.status, contentType: $0.contentType, error: $0.error,
          location: .recording(offset: $0.bodyOffset, length: $0.bodyLength, checksum: $0.checksum))
      }
      entries = Self.sortedByTime(entries)
    } else {
      // Frames after a first line that is not the file header: a damaged recording. Read
      // as exposition text it became one scrape of mixed bodies and "3 invalid lines".
      if let nl = bytes.prefix(256).firstIndex(of: 0x0A),
        bytes[(nl + 1)...].starts(with: RecordingFormat.framePrefix)
      {
        throw FileError(
          path: path,
          message: "has recording frames but its first line is not \"ZONETOP-RECORDING 1\" (a damaged recording; "
            + "restore that line to read it)")
      }
      kind = .file
      mapped = file
      let name = path.split(separator: "/").last.map(String.init) ?? path
      entries = [
        Entry(
          target: name, timeMs: Self.timestamp(fromFileName: name) ?? WallClock.nowMs(), status: 200,
          contentType: nil, error: nil, location: .file(path: path))
      ]
    }
  }

  deinit { inflated?.deallocate() }

  /// Inflates gzip bytes into an unlinked file in `$TMPDIR` (else `/tmp`) and maps it; nil when
  /// no such file can be made or written (the caller then inflates in memory).
  static func inflateToFile(_ bytes: UnsafeRawBufferPointer) -> (MappedFile, Gzip.Error?)? {
    let dir = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(dir)/zonetop-inflate-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buf in buf.baseAddress.map { mkstemp($0) } ?? -1 }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    _ = unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    var writeFailed = false
    let (_, error) = Gzip.inflate(bytes, limit: 1 << 34) { piece in
      writeFailed = !Files.writeAll(fd, piece)
      return !writeFailed
    }
    guard !writeFailed, let spool = try? MappedFile(path: "/proc/self/fd/\(fd)") else { return nil }
    return (spool, error)
  }

  /// Keeps only the scrapes from `fromMs` to `toMs` (`replay --from/--to`): the source then starts
  /// and ends there.
  public func keep(fromMs: Int64, toMs: Int64) {
    entries.removeAll { $0.timeMs < fromMs || $0.timeMs > toMs }
  }

  /// The scrape interval: the median gap between a target's scrapes.
  public var intervalMs: Int64 { RoundGrouping.interval(targetsAndTimes: entries.lazy.map { ($0.target, $0.timeMs) }) }

  /// Calls `body` with the exposition bytes of an entry (decompressed if needed).
  public func withBody<R>(_ entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    switch entry.location {
    case .recording(let offset, let length, let checksum):
      func checked(_ bytes: UnsafeRawBufferPointer) throws -> R {
        guard !verifyChecksums || checksum.matches(bytes) else {
          throw FileError(
            path: path,
            message:
              "frame of \(entry.target) at \(RFC3339.format(ms: entry.timeMs)) skipped: checksum mismatch (corrupt recording)"
          )
        }
        return try body(bytes)
      }
      if let mapped {
        // Copied with pread, not read in the mapping: a recording that shrinks while it is
        // read (copytruncate) gives a short read here instead of SIGBUS in the parser. One
        // copy of a body is small next to parsing it.
        guard let copy = mapped.copy(offset..<(offset + length)) else {
          throw FileError(path: path, message: "the recording shrank while it was read")
        }
        return try copy.withUnsafeBytes { try checked($0) }
      }
      guard let inflated else { throw FileError(path: path, message: "the recording's bytes are gone") }
      return try checked(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(inflated)[offset..<(offset + length)]))
    case .file(let p):
      let file = try MappedFile(path: p)
      if Gzip.isGzip(file.bytes) {
        let data: [UInt8]
        do { data = try Gzip.inflate(file.bytes) } catch { throw FileError(path: p, message: "\(error)") }
        return try data.withUnsafeBytes { try body($0) }
      }
      return try body(file.bytes)
    }
  }

  /// Gives back the memory of an entry's body once it has been read (a recording is
  /// memory-mapped: this keeps the resident size bounded by what is being parsed).
  public func release(_ entry: OfflineSource.Entry) {
    guard case .recording(let offset, let length, _) = entry.location else { return }
    mapped?.releasePages(offset..<(offset + length))
  }

  /// Raw exposition text of an entry.
  public func body(of entry: Entry) throws -> [UInt8] { try withBody(entry) { Array($0) } }

  // MARK: - Scrape directories

  private func indexDirectory() throws(FileError) {
    let names = try Files.list(path)
    var found: [Entry] = []
    for name in names where !name.hasPrefix(".") {
      let full = path + "/" + name
      if Files.isDirectory(full) {
        for file in try Files.list(full) where !file.hasPrefix(".") {
          add(file, in: full, target: name, to: &found)
        }
      } else {
        add(name, in: path, target: path.split(separator: "/").last.map(String.init) ?? path, to: &found)
      }
    }
    entries = Self.sortedByTime(found)
  }

  private func add(_ file: String, in dir: String, target: String, to found: inout [Entry]) {
    // A FIFO (or a device) would block the open until a writer comes: only regular files.
    var st = stat()
    guard stat(dir + "/" + file, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
      problems.append("\(dir)/\(file): skipped: not a regular file")
      return
    }
    guard let t = Self.timestamp(fromFileName: file) else {
      problems.append(
        "\(dir)/\(file): skipped: the name is not a scrape time (epoch milliseconds or RFC 3339 from \(PlausibleTime.text), e.g. 1741000000000.prom)"
      )
      return
    }
    found.append(
      Entry(
        target: target, timeMs: t, status: 200, contentType: nil, error: nil, location: .file(path: dir + "/" + file)))
  }

  /// Scrape time from a file name: `1741000000000.prom`, `2025-03-03T10:00:05Z.prom`, optionally `.gz`.
  public static func timestamp(fromFileName name: String) -> Int64? {
    var stem = Substring(name)
    for ext in [".gz", ".prom", ".txt", ".om"] where stem.hasSuffix(ext) { stem = stem.dropLast(ext.count) }
    // Only believable times: later arithmetic on times near Int64's ends would overflow.
    if let ms = Int64(stem), stem.count >= 10 { return PlausibleTime.contains(ms: ms) ? ms : nil }
    return RFC3339.parse(String(stem)).flatMap { PlausibleTime.contains(ms: $0) ? $0 : nil }
  }

  private static func sortedByTime(_ e: [Entry]) -> [Entry] {
    e.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
  }
}
