/// The series (and groups) a strict parse has seen, as 64-bit hashes: open addressing with
/// linear probing over one flat table (0 marks an empty slot; the key 0 is kept aside),
/// Fibonacci-hashed slots, no per-operation allocation.
///
/// The keys are already seeded hashes, so hashing them again (as `Set<UInt64>` does, with
/// SipHash, on every sample) is wasted work. A class, so the rules mutate it in place
/// without copy-on-write or exclusivity checks. `removeAll` shrinks a table much larger than
/// what it last held, so clearing stays proportional to use.
final class SeriesHashSet {
  private var slots: UnsafeMutablePointer<UInt64>
  private var capacity: Int
  private var shift: UInt64
  private var hasZero = false
  /// The number of keys in the set.
  private(set) var count = 0

  init() {
    capacity = Self.minimumCapacity
    shift = 64 - UInt64(Self.minimumCapacity.trailingZeroBitCount)
    slots = .allocate(capacity: capacity)
    slots.initialize(repeating: 0, count: capacity)
  }

  deinit { slots.deallocate() }

  private static let minimumCapacity = 16

  @inline(__always)
  private func home(_ key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// Whether `key` is in the set.
  @inline(__always)
  func contains(_ key: UInt64) -> Bool {
    if key == 0 { return hasZero }
    let mask = capacity - 1
    var i = home(key)
    while true {
      let k = slots[i]
      if k == key { return true }
      if k == 0 { return false }
      i = (i + 1) & mask
    }
  }

  /// Inserts `key`; returns whether it was not there before.
  @inline(__always)
  @discardableResult
  func insert(_ key: UInt64) -> Bool {
    if key == 0 {
      defer { hasZero = true }
      if hasZero { return false }
      count += 1
      return true
    }
    if (count + 1) * 2 > capacity { resize(to: capacity * 2) }
    let mask = capacity - 1
    var i = home(key)
    while true {
      let k = slots[i]
      if k == key { return false }
      if k == 0 { break }
      i = (i + 1) & mask
    }
    slots[i] = key
    count += 1
    return true
  }

  /// Empties the set.
  func removeAll() {
    if count == 0 { return }
    if capacity > Self.minimumCapacity && count * 8 < capacity {
      slots.deallocate()
      capacity = Self.minimumCapacity
      shift = 64 - UInt64(capacity.trailingZeroBitCount)
      slots = .allocate(capacity: capacity)
    }
    slots.initialize(repeating: 0, count: capacity)
    hasZero = false
    count = 0
  }

  private func resize(to newCapacity: Int) {
    let old = slots
    let oldCapacity = capacity
    capacity = newCapacity
    shift = 64 - UInt64(newCapacity.trailingZeroBitCount)
    slots = .allocate(capacity: newCapacity)
    slots.initialize(repeating: 0, count: newCapacity)
    let mask = newCapacity - 1
    for j in 0..<oldCapacity where old[j] != 0 {
      var i = home(old[j])
      while slots[i] != 0 { i = (i + 1) & mask }
      slots[i] = old[j]
    }
    old.deallocate()
  }
}
