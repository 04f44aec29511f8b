import CByteScan
import Testing

@testable import ZoneTopCore

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

  @Test func hashSetAgreesWithSwiftSet() {
    var rng = SplitMix(seed: 42)
    let set = HashSet64()
    var reference = Set<UInt64>()
    for round in 0..<2000 {
      // Small keys and 0 on purpose: they collide in the low bits.
      let key = round % 3 == 0 ? rng.next() % 64 : rng.next()
      #expect(set.insert(key) == reference.insert(key).inserted)
      let probe = rng.next() % 64
      #expect(set.contains(probe) == reference.contains(probe))
      if round % 700 == 699 {
        set.removeAll()
        reference.removeAll()
      }
      #expect(set.count == reference.count)
    }
    for key in reference { #expect(set.contains(key)) }
    // A big table emptied, then used small: it shrinks and stays correct.
    for k in 1...5000 { set.insert(UInt64(k)) }
    set.removeAll()
    set.insert(7)
    set.removeAll()
    #expect(!set.contains(7) && set.count == 0)
    #expect(set.insert(0) && !set.insert(0) && set.contains(0))
  }
}

extension ByteScanAndHashTests {
  @Test func filteredSetAgreesWithSwiftSet() {
    var rng = SplitMix(seed: 7)
    let set = FilteredHashSet()
    var reference = Set<UInt64>()
    for round in 0..<30_000 {
      // Mostly new keys, some repeated ones (the filter's "maybe" and the searches),
      // enough of them to switch to the exact table, and a few emptyings.
      let key = round % 5 == 0 ? rng.next() % 500 : rng.next()
      let present = reference.contains(key)
      #expect(set.contains(key) == present, "round \(round)")
      if !present {
        set.insertNew(key)
        reference.insert(key)
      }
      if round % 9_000 == 8_999 {
        set.removeAll()
        reference.removeAll()
      }
      #expect(set.count == reference.count)
    }
    for key in reference { #expect(set.contains(key)) }
    for _ in 0..<1000 {
      let absent = rng.next() | 1 << 63
      #expect(set.contains(absent) == reference.contains(absent))
    }
  }
}

extension ByteScanAndHashTests {
  @Test func smallSetAgreesWithSwiftSetAcrossItsInlineLimit() {
    var rng = SplitMix(seed: 11)
    let set = SmallHashSet()
    var reference = Set<UInt64>()
    for round in 0..<20_000 {
      // Groups of 0 to 9 keys, some repeated: inline, spilled, emptied.
      if rng.next() % 6 == 0 {
        set.removeAll()
        reference.removeAll()
      }
      let key = rng.next() % 16
      #expect(set.contains(key) == reference.contains(key), "round \(round)")
      set.insert(key)
      reference.insert(key)
      #expect(set.contains(key))
    }
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
