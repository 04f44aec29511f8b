/// A fast, non-cryptographic 64-bit hash over raw bytes (8 bytes a step).
///
/// Used for series identity and grouping in the parser and the counter engine:
/// collisions are possible in principle (about 1 in 10^9 for a million series)
/// and are documented in the README.
@inline(__always)
public func hashBytes(_ p: UnsafePointer<UInt8>, _ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> UInt64 {
  var h = seed ^ (UInt64(truncatingIfNeeded: count) &* 0xFF51_AFD7_ED55_8CCD)
  let raw = UnsafeRawPointer(p)
  var i = 0
  while i + 8 <= count {
    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
    h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 29
    i += 8
  }
  if i < count && count >= 8 {
    // Overlapping load of the last eight bytes instead of a byte loop.
    let w = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    h = (h ^ w) &* 0xC2B2_AE3D_27D4_EB4F
    h ^= h >> 31
  } else if i < count {
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < count {
      tail |= UInt64(p[i]) << shift
      shift += 8
      i += 1
    }
    h = (h ^ tail) &* 0xC2B2_AE3D_27D4_EB4F
    h ^= h >> 31
  }
  return mixHash(h)
}

/// Final avalanche step (from SplitMix64).
@inline(__always)
public func mixHash(_ x: UInt64) -> UInt64 {
  var z = x
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

extension Array where Element == UInt8 {
  /// The same hash as `hashBytes(_:_:seed:)` over this array.
  public func byteHash(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> UInt64 {
    withUnsafeBufferPointer { b in
      b.baseAddress.map { hashBytes($0, b.count, seed: seed) } ?? hashBytes(UnsafePointer(bitPattern: 1)!, 0, seed: seed)
    }
  }
}
