import CByteScan
import Testing
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

@testable import ZoneTopApp

/// The parser's byte-level building blocks against plain reference versions.
@Suite struct ByteScanAndHashTests {
  @Test func vectorScanFindsTheFirstStopByteAtEveryPosition() {
    // Every stop byte at every position of buffers of every length up to 40, with
    // bytes that differ from a stop byte by one bit around it.
    let filler: [UInt8] = [0x20, 0x23, 0x5D, 0x0B, 0xA2, 0xDC, 0x8A, 0x41]
    for length in 0...40 {
      for stop in [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A] {
        for position in -1..<length {
          var bytes = (0..<length).map { filler[$0 % filler.count] }
          if position >= 0 { bytes[position] = stop }
          for from in [0, 1, 3] where from <= length {
            let expected = position >= from ? position : length
            let found = bytes.withUnsafeBufferPointer { b in
              zt_find_quote_backslash_newline(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, from, length)
            }
            #expect(found == expected, "length \(length), stop \(stop) at \(position), from \(from)")
          }
        }
      }
    }
  }

  @Test func hashDependsOnEveryByteAndOnTheLengthOnly() {
    // Equal bytes hash equally at any alignment; changing any one byte or the
    // length changes the hash (checked over all lengths the fast paths split on).
    var seen = Set<UInt64>()
    var count = 0
    for length in 0...70 {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      let storage = [UInt8](repeating: 0, count: 3) + bytes
      let h = bytes.byteHash()
      let shifted = storage.withUnsafeBufferPointer { hashBytes($0.baseAddress! + 3, length) }
      #expect(h == shifted, "length \(length)")
      seen.insert(h)
      count += 1
      for k in 0..<length {
        var changed = bytes
        changed[k] ^= 0x01
        seen.insert(changed.byteHash())
        count += 1
      }
      #expect(bytes.byteHash(seed: 1) != h, "the seed counts, length \(length)")
    }
    #expect(seen.count == count, "\(count - seen.count) collisions among \(count) near-identical inputs")
  }

  @Test func craftedValuesDoNotCollide() {
    // 12-byte values whose first eight bytes are the hash's multiplier constant: with an
    // unseeded operand the multiplication was by zero and all of them hashed alike, so the
    // counter engine would have taken such series for one. Seeded, the last bytes count.
    let multiplier: [UInt8] = [0xD1, 0x7E, 0x03, 0xE7, 0xDB, 0x28, 0xB4, 0xA0]
    var seen = Set<UInt64>()
    for tail in 0..<256 {
      seen.insert((multiplier + [UInt8(tail), 0x61, 0x62, 0x63]).byteHash())
    }
    #expect(seen.count == 256)
  }

}

/// A small deterministic generator for tests.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return mixHash(state)
  }
}
