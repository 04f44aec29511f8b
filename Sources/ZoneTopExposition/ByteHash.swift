/// A fast, non-cryptographic 64-bit hash over raw bytes.
///
/// The construction of wyhash: the input is read as 64-bit words (short inputs as
/// overlapping 32-bit loads, never past `count`) and folded with 64x64->128-bit
/// multiplications, one per 16 bytes. Label values are mostly under 16 bytes, so a
/// value costs two multiplications.
///
/// Used for series identity and grouping in the parser and the counter engine:
/// collisions are possible in principle (about 1 in 10^9 for a million series)
/// and are documented in the README. The default seed is drawn at random per
/// process and both operands of every multiplication depend on it, so label values
/// cannot be crafted to collide (a hostile value that zeroes an operand would
/// otherwise hash the same whatever its other bytes, and the counter engine would
/// take two series for one).
@inline(__always)
public func hashBytes(_ p: UnsafePointer<UInt8>, _ count: Int, seed: UInt64 = hashSeed) -> UInt64 {
  let k0: UInt64 = 0xA076_1D64_78BD_642F
  let k1: UInt64 = 0xE703_7ED1_A0B4_28DB
  let raw = UnsafeRawPointer(p)
  @inline(__always) func word(_ i: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
  @inline(__always) func half(_ i: Int) -> UInt64 { UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)) }
  var s = seed ^ k0
  let t = k1 ^ (seed &<< 32 | seed &>> 32)
  let a: UInt64
  let b: UInt64
  if count <= 16 {
    if count >= 4 {
      let mid = (count >> 3) << 2
      a = half(0) << 32 | half(mid)
      b = half(count - 4) << 32 | half(count - 4 - mid)
    } else if count > 0 {
      a = UInt64(p[0]) << 16 | UInt64(p[count >> 1]) << 8 | UInt64(p[count - 1])
      b = 0
    } else {
      a = 0
      b = 0
    }
  } else {
    var i = 0
    while count - i > 16 {
      s = foldMultiply(word(i) ^ t, word(i + 8) ^ s)
      i += 16
    }
    a = word(count - 16)
    b = word(count - 8)
  }
  return foldMultiply(k1 ^ UInt64(truncatingIfNeeded: count), foldMultiply(a ^ t, b ^ s))
}

/// This process's hash seed, from the system's random source.
public let hashSeed = UInt64.random(in: .min ... .max)

/// The 128-bit product of `a` and `b`, its halves xored.
@inline(__always)
func foldMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
  let product = a.multipliedFullWidth(by: b)
  return product.high ^ product.low
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
  public func byteHash(seed: UInt64 = hashSeed) -> UInt64 {
    withUnsafeBufferPointer { b in
      // Force unwrap: a non-null address for an empty buffer; 0 bytes are read.
      // swift-format-ignore: NeverForceUnwrap
      b.baseAddress.map { hashBytes($0, b.count, seed: seed) }
        ?? hashBytes(UnsafePointer(bitPattern: 1)!, 0, seed: seed)
    }
  }
}
