import Glibc
import ZoneTopExposition

/// The flow of each distinct set of flow labels seen before, so a new series whose hop is
/// known costs one hash of its flow labels and a byte comparison instead of a key built from
/// strings (the first poll of 1,000 ztunnels creates 2 million series that share 500 hops).
///
/// A hit is checked against the flow's key byte for byte, so a hash collision can cost time
/// but never put a series in the wrong flow.
struct HopIndex {
  private var index = SeriesIndex()

  /// The flow of `s`'s flow labels, when that label set was seen before.
  func flow(of s: SampleRef, hash: UInt64, in flows: FlowTable) -> Int32? {
    guard let id = index.find(hash), Int(id) < flows.count, flows.keys[Int(id)].matches(s) else { return nil }
    return id
  }

  mutating func remember(_ hash: UInt64, flow: Int32) { index.insert(hash, flow) }

  /// The hash of a series' flow labels (order-independent), or nil when one is escaped: such
  /// rare series take the slow path, which decodes them.
  static func hash(_ s: SampleRef) -> UInt64? {
    var h: UInt64 = 0
    for l in s.labels {
      guard let i = IstioSink.flowLabel(s, l) else { continue }
      if l.escaped { return nil }
      let v = hashBytes(s.base + Int(l.valueStart), Int(l.valueLength), seed: hashSeed &+ UInt64(i))
      // Addition makes the sum independent of the labels' order.
      h &+= v
    }
    return h
  }
}

extension FlowKey {
  /// Whether the flow labels of `s` make this key (none escaped): the same normalisation as
  /// `init(values:)`, with absent and empty values `unknown`.
  func matches(_ s: SampleRef) -> Bool {
    var present: UInt16 = 0
    for l in s.labels {
      guard let i = IstioSink.flowLabel(s, l) else { continue }
      present |= 1 << i
      let value = UnsafeBufferPointer(start: s.base + Int(l.valueStart), count: Int(l.valueLength))
      if i == 0 {
        if Reporter(label: value) != reporter { return false }
      } else if !Self.same(field(i), value) {
        return false
      }
    }
    if present & 1 == 0 && reporter != .unknown { return false }
    for i in 1..<FlowKey.labelNames.count where present & (1 << i) == 0 && field(i) != "unknown" { return false }
    // Locality labels are indices 6 to 9: present at all means a ztunnel that has them.
    return hasLocality == (present & 0b11_1100_0000 != 0)
  }

  /// The value of label `i` of `labelNames` in this key (from 1; 0 is the reporter).
  private func field(_ i: Int) -> String {
    switch i {
    case 1: sourceWorkload
    case 2: sourceNamespace
    case 3: destinationWorkload
    case 4: destinationNamespace
    case 5: destinationService
    case 6: source.region
    case 7: source.zone
    case 8: destination.region
    case 9: destination.zone
    case 10: sourceCluster
    case 11: destinationCluster
    case 12: sourcePrincipal
    default: destinationPrincipal
    }
  }

  /// Whether a key's string is what the label value `bytes` becomes (empty is `unknown`).
  private static func same(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    if bytes.isEmpty { return s == "unknown" }
    guard s.utf8.count == bytes.count else { return false }
    // Force unwrap: both buffers hold at least one byte here.
    // swift-format-ignore: NeverForceUnwrap
    return s.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
      ?? s.utf8.elementsEqual(bytes)
  }
}

extension Reporter {
  /// The reporter a `reporter` label value names (anything else is `unknown`).
  init(label bytes: UnsafeBufferPointer<UInt8>) {
    // Force unwrap: an empty buffer is compared with no byte read.
    // swift-format-ignore: NeverForceUnwrap
    let p = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
    if Self.sourceBytes.equals(p, bytes.count) {
      self = .source
    } else if Self.destinationBytes.equals(p, bytes.count) {
      self = .destination
    } else {
      self = .unknown
    }
  }

  private static let sourceBytes = StaticBytes("source")
  private static let destinationBytes = StaticBytes("destination")
}
