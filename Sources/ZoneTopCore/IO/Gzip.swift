import CZlib

/// gzip/zlib decompression in memory, with a size cap (gzip bombs stop at the cap).
public enum Gzip {
  public struct Error: Swift.Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  /// Whether the bytes start with the gzip magic number.
  public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// Inflates gzip or zlib data; throws when it is corrupt, truncated or larger than `limit`.
  public static func inflate(_ input: UnsafeRawBufferPointer, limit: Int = 1 << 30) throws(Error) -> [UInt8] {
    var stream = z_stream()
    guard zt_inflate_init2(&stream, 15 + 32) == Z_OK else { throw Error(description: "cannot start zlib") }
    defer { inflateEnd(&stream) }
    var out = [UInt8]()
    out.reserveCapacity(min(limit, max(input.count * 4, 1 << 16)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
    stream.avail_in = UInt32(input.count)
    while true {
      let status: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
        stream.next_out = buf.baseAddress
        stream.avail_out = UInt32(buf.count)
        return CZlib.inflate(&stream, Z_NO_FLUSH)
      }
      let produced = chunk.count - Int(stream.avail_out)
      if out.count + produced > limit { throw Error(description: "decompressed data larger than \(ByteFormat.size(limit))") }
      out.append(contentsOf: chunk[0..<produced])
      if status == Z_STREAM_END {
        // Concatenated gzip members: continue with the next one.
        if stream.avail_in > 0 && inflateReset(&stream) == Z_OK { continue }
        return out
      }
      guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
        if status == Z_BUF_ERROR || stream.avail_in == 0 { throw Error(description: "compressed data is truncated") }
        throw Error(description: "compressed data is corrupt")
      }
    }
  }

  /// gzip-compresses bytes (used by tests and fixture servers).
  public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    guard zt_deflate_init2(&stream, level, 15 + 16) == Z_OK else { return [] }
    defer { deflateEnd(&stream) }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    input.withUnsafeBufferPointer { inBuf in
      stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
      stream.avail_in = UInt32(inBuf.count)
      var status: Int32 = Z_OK
      while status != Z_STREAM_END {
        status = chunk.withUnsafeMutableBufferPointer { buf in
          stream.next_out = buf.baseAddress
          stream.avail_out = UInt32(buf.count)
          return deflate(&stream, Z_FINISH)
        }
        out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
        if status != Z_OK && status != Z_STREAM_END { break }
      }
    }
    return out
  }

  /// CRC-32 (the zlib/gzip polynomial).
  public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt = CZlib.crc32(0, nil, 0)
    var offset = 0
    while offset < bytes.count {
      let n = min(bytes.count - offset, Int(Int32.max))
      crc = CZlib.crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(n))
      offset += n
    }
    return UInt32(truncatingIfNeeded: crc)
  }
}

/// Human-readable sizes and rates.
public enum ByteFormat {
  /// `64 MiB`, `1.5 GiB`, `512 B`.
  public static func size(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(n) B" : (v == v.rounded() ? "\(Int(v)) \(units[u])" : String(format1: v) + " " + units[u])
  }
}

extension String {
  /// One decimal place, locale-independent.
  init(format1 v: Double) {
    let scaled = (v * 10).rounded()
    let whole = Int(scaled / 10)
    let frac = Int(abs(scaled).truncatingRemainder(dividingBy: 10))
    self = (v < 0 && whole == 0 ? "-" : "") + "\(whole).\(frac)"
  }
}
