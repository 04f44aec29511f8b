/// A set of 64-bit hashes that mostly holds one to four keys and is emptied very often
/// (the series of one OpenMetrics group: `x_total` and `x_created`). The first four
/// keys sit in a small inline array, emptied by resetting a count; more go to a
/// `HashSet64`.
final class SmallHashSet {
  private static let inline = 4
  private let first = UnsafeMutablePointer<UInt64>.allocate(capacity: SmallHashSet.inline)
  private let more = HashSet64()
  /// Keys added since the last `removeAll`, repeats included.
  private var added = 0

  deinit { first.deallocate() }

  /// Whether `key` is in the set.
  @inline(__always)
  func contains(_ key: UInt64) -> Bool {
    for k in 0..<min(added, Self.inline) where first[k] == key { return true }
    return added > Self.inline && more.contains(key)
  }

  /// Adds `key`.
  @inline(__always)
  func insert(_ key: UInt64) {
    if added < Self.inline { first[added] = key } else { more.insert(key) }
    added += 1
  }

  /// Empties the set.
  @inline(__always)
  func removeAll() {
    if added > Self.inline { more.removeAll() }
    added = 0
  }
}
