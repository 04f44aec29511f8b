import ZoneTopExposition

/// Series hash -> slot, as an open-addressing table with linear probing.
///
/// The keys are already well-mixed 64-bit hashes, so no second hash is needed
/// (Swift's `Dictionary` would SipHash them again on every sample).
struct SeriesIndex {
  /// Empty until the first insert: an index costs nothing until it holds a series.
  private var keys: [UInt64] = []
  private var values: [Int32] = []
  private(set) var count = 0
  private var mask = 0

  /// 0 marks an empty bucket.
  @inline(__always) private static func key(_ h: UInt64) -> UInt64 { h == 0 ? 1 : h }

  @inline(__always)
  func find(_ hash: UInt64) -> Int32? {
    guard count > 0 else { return nil }
    let k = Self.key(hash)
    var i = Int(truncatingIfNeeded: k) & mask
    while true {
      let here = keys[i]
      if here == k { return values[i] }
      if here == 0 { return nil }
      i = (i + 1) & mask
    }
  }

  mutating func insert(_ hash: UInt64, _ value: Int32) {
    if (count + 1) * 2 > keys.count { grow() }
    let k = Self.key(hash)
    var i = Int(truncatingIfNeeded: k) & mask
    while keys[i] != 0 && keys[i] != k { i = (i + 1) & mask }
    if keys[i] == 0 { count += 1 }
    keys[i] = k
    values[i] = value
  }

  /// Calls `body` with every value.
  func forEachValue(_ body: (Int32) -> Void) {
    for i in 0..<keys.count where keys[i] != 0 { body(values[i]) }
  }

  /// Removes every entry whose value fails `keep`, returning the removed values.
  mutating func removeAll(where shouldRemove: (Int32) -> Bool) -> [Int32] {
    var removed: [Int32] = []
    var survivors: [(UInt64, Int32)] = []
    for i in 0..<keys.count where keys[i] != 0 {
      if shouldRemove(values[i]) { removed.append(values[i]) } else { survivors.append((keys[i], values[i])) }
    }
    guard !removed.isEmpty else { return [] }
    keys = Array(repeating: 0, count: keys.count)
    count = 0
    for (k, v) in survivors { insert(k, v) }
    return removed
  }

  private mutating func grow() {
    let old = zip(keys, values).filter { $0.0 != 0 }
    keys = Array(repeating: 0, count: max(2048, keys.count * 2))
    values = Array(repeating: 0, count: keys.count)
    mask = keys.count - 1
    count = 0
    for (k, v) in old { insert(k, v) }
  }
}
