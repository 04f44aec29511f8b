/// A set of 64-bit hashes (already well mixed, so never hashed again): open
/// addressing with linear probing, and an O(1) `removeAll` (slots of an older
/// generation count as empty). The strict parser's per-sample bookkeeping; Swift's
/// `Set` would SipHash every key and clear its storage on every group change.
struct HashSet64 {
  private var keys: [UInt64]
  private var generations: [UInt32]
  private var generation: UInt32 = 1
  private(set) var count = 0
  private var mask: Int

  init() {
    keys = Array(repeating: 0, count: 16)
    generations = Array(repeating: 0, count: 16)
    mask = 15
  }

  @inline(__always) private func slot(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h ^ (h >> 32)) & mask }

  func contains(_ h: UInt64) -> Bool {
    var i = slot(h)
    while generations[i] == generation {
      if keys[i] == h { return true }
      i = (i + 1) & mask
    }
    return false
  }

  /// Inserts `h`; returns whether it was new.
  @discardableResult
  mutating func insert(_ h: UInt64) -> Bool {
    if (count + 1) * 2 > mask + 1 { grow() }
    var i = slot(h)
    while generations[i] == generation {
      if keys[i] == h { return false }
      i = (i + 1) & mask
    }
    keys[i] = h
    generations[i] = generation
    count += 1
    return true
  }

  mutating func removeAll() {
    count = 0
    generation &+= 1
    if generation == 0 {
      for i in generations.indices { generations[i] = 0 }
      generation = 1
    }
  }

  private mutating func grow() {
    let old = zip(keys, generations).filter { $0.1 == generation }.map(\.0)
    let size = (mask + 1) * 2
    keys = Array(repeating: 0, count: size)
    generations = Array(repeating: 0, count: size)
    mask = size - 1
    generation = 1
    count = 0
    for k in old { insert(k) }
  }
}
