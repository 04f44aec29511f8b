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
    let result = inflatePartially(input, limit: limit)
    if let error = result.error { throw error }
    return result.data
  }

  /// Inflates gzip or zlib data as far as it goes: what was inflated before damage
  /// (truncation, corruption, trailing garbage, or `limit` reached), and the error.
  ///
  /// The error says at which byte of the compressed input inflating stopped.
  public static func inflatePartially(
    _ input: UnsafeRawBufferPointer, limit: Int = 1 << 30
  ) -> (data: [UInt8], error: Error?) {
    var out: [UInt8] = []
    out.reserveCapacity(min(limit, max(input.count * 4, 1 << 16)))
    let (_, error) = inflate(input, limit: limit) { piece in
      out.append(contentsOf: piece)
      return true
    }
    return (out, error)
  }

  /// Inflates gzip or zlib data in pieces of at most 64 KiB handed to `sink` (which returns
  /// false to stop with an error), so the whole output never has to be in memory; returns
  /// how many bytes were inflated and, when inflating stopped early, why.
  public static func inflate(
    _ input: UnsafeRawBufferPointer, limit: Int = 1 << 30, into sink: (UnsafeRawBufferPointer) -> Bool
  ) -> (count: Int, error: Error?) {
    var stream = z_stream()
    guard zt_inflate_init2(&stream, 15 + 32) == Z_OK else { return (0, Error(description: "cannot start zlib")) }
    defer { inflateEnd(&stream) }
    var count = 0
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
    stream.avail_in = UInt32(input.count)
    // Where the last whole gzip member ended, and how much it had inflated by then.
    var memberEnd = 0
    var inflatedAtMemberEnd = 0
    func stopped(_ what: String) -> (count: Int, error: Error?) {
      if memberEnd > 0 && count == inflatedAtMemberEnd {
        return (count, Error(description: "data that is not gzip follows the compressed data at byte \(memberEnd)"))
      }
      let at = input.count - Int(stream.avail_in)
      return (
        count,
        Error(description: "\(what) at byte \(at) of \(input.count) (\(ByteFormat.size(count)) inflated before it)")
      )
    }
    func emit(_ n: Int) -> Bool {
      guard n > 0 else { return true }
      let ok = chunk.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      if ok { count += n }
      return ok
    }
    while true {
      let status: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
        stream.next_out = buf.baseAddress
        stream.avail_out = UInt32(buf.count)
        return CZlib.inflate(&stream, Z_NO_FLUSH)
      }
      let produced = chunk.count - Int(stream.avail_out)
      if count + produced > limit {
        _ = emit(limit - count)
        return stopped("decompressed data larger than \(ByteFormat.size(limit))")
      }
      guard emit(produced) else { return stopped("the inflated data could not be stored") }
      if status == Z_STREAM_END {
        memberEnd = input.count - Int(stream.avail_in)
        inflatedAtMemberEnd = count
        // Concatenated gzip members: continue with the next one.
        if stream.avail_in > 0 && inflateReset(&stream) == Z_OK { continue }
        return (count, nil)
      }
      guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
        if status == Z_BUF_ERROR || stream.avail_in == 0 { return stopped("compressed data is truncated") }
        return stopped("compressed data is corrupt")
      }
    }
  }
}
