/// A set of 64-bit hashes for keys that are nearly always new (the strict parser's
/// "was this label set seen earlier in the family?"). A blocked Bloom filter of four
/// bytes a key answers "new" from a table small enough to stay in the CPU cache, and
/// the keys go to a plain array. When the filter says "maybe" (about 1 time in 4,000
/// for a new key) the array is searched; after 64 searches in one fill (input that
/// repeats keys on purpose) the keys move to an exact `HashSet64` instead. Answers are
/// exact; a 12,500-key family probes 50 KB at random instead of a 256 KB table.
final class FilteredHashSet {
  private var filter: UnsafeMutablePointer<UInt64>
  private var filterWords: Int
  private var keys: UnsafeMutablePointer<UInt64>
  private var keyCapacity = 64
  /// Keys inserted, in order; the first `exactCount` are in `exact` too.
  private(set) var count = 0
  private var exactCount = 0
  private let exact = HashSet64()
  /// Array searches since the last `removeAll`; past 64, `exact` answers.
  private var searches = 0

  private static let minimumWords = 16

  init() {
    filterWords = Self.minimumWords
    filter = .allocate(capacity: filterWords)
    filter.initialize(repeating: 0, count: filterWords)
    keys = .allocate(capacity: keyCapacity)
  }

  deinit {
    filter.deallocate()
    keys.deallocate()
  }

  /// The filter word and the four bits of `key`.
  @inline(__always)
  private func place(_ key: UInt64) -> (word: Int, bits: UInt64) {
    let h = key &* 0x9E37_79B9_7F4A_7C15
    let bits: UInt64 = 1 &<< (h &>> 58) | 1 &<< (h &>> 52) | 1 &<< (h &>> 46) | 1 &<< (h &>> 40)
    return (Int(truncatingIfNeeded: h &>> 8) & (filterWords - 1), bits)
  }

  /// Whether `key` is in the set.
  @inline(__always)
  func contains(_ key: UInt64) -> Bool {
    let (word, bits) = place(key)
    if filter[word] & bits != bits { return false }
    if searches < 64 {
      searches += 1
      for k in 0..<count where keys[k] == key { return true }
      return false
    }
    while exactCount < count {
      exact.insert(keys[exactCount])
      exactCount += 1
    }
    return exact.contains(key)
  }

  /// Adds `key`, which the caller knows is not in the set (`contains` said so).
  @inline(__always)
  func insertNew(_ key: UInt64) {
    if count == keyCapacity { growKeys() }
    keys[count] = key
    count += 1
    if count > filterWords * 2 {
      rebuildFilter(words: filterWords * 2)
    } else {
      let (word, bits) = place(key)
      filter[word] |= bits
    }
  }

  /// Empties the set, keeping memory proportional to what it last held.
  func removeAll() {
    if count == 0 { return }
    let words = filterWords > Self.minimumWords && count * 8 < filterWords ? Self.minimumWords : filterWords
    if words != filterWords {
      filter.deallocate()
      filterWords = words
      filter = .allocate(capacity: words)
    }
    filter.initialize(repeating: 0, count: filterWords)
    count = 0
    exactCount = 0
    searches = 0
    exact.removeAll()
  }

  private func growKeys() {
    let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: keyCapacity * 2)
    bigger.moveInitialize(from: keys, count: count)
    keys.deallocate()
    keys = bigger
    keyCapacity *= 2
  }

  private func rebuildFilter(words: Int) {
    filter.deallocate()
    filterWords = words
    filter = .allocate(capacity: words)
    filter.initialize(repeating: 0, count: words)
    for k in 0..<count {
      let (word, bits) = place(keys[k])
      filter[word] |= bits
    }
  }
}
