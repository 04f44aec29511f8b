import CZlib
import ZoneTopExposition
import ZoneTopTraffic

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
    var out: [UInt8] = []
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
      if out.count + produced > limit {
        throw Error(description: "decompressed data larger than \(ByteFormat.size(limit))")
      }
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
}
