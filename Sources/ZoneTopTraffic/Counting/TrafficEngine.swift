import Glibc
import Synchronization
import ZoneTopExposition

/// Options of the counter engine.
public struct EngineOptions: Sendable {
  /// Count a target's first scrape whole (a single exposition file: totals, no rates).
  public var countFirstScrape = false
  /// Series absent from this many consecutive scrapes of their target are forgotten.
  public var evictAfterMissedScrapes = 3
  /// At most this many live series per target; more are ignored, with a warning in Health.
  public var maxSeriesPerTarget = 200_000
  /// A flow no live series refers to is forgotten once it has been in none of the last
  /// this many rounds: the rounds a history of the engine's rounds keeps (0 when nothing
  /// keeps them, as in `record`).
  public var keepFlowsForRounds = 360

  public init() {}
}

/// What the engine knows of one target, for the Health view.
public struct TargetHealth: Sendable {
  public var target: String
  public var up = false
  public var scrapes = 0
  public var failures = 0
  public var consecutiveFailures = 0
  public var lastScrapeMs: Int64?
  public var lastLatency: Double?
  public var lastBodyBytes = 0
  /// What the last fetch moved over the network (request, headers, body as transferred);
  /// 0 when not fetched over HTTP (a replay).
  public var lastWireBytes = 0
  public var series = 0
  public var samples = 0
  public var invalidLines = 0
  public var invalidCounterValues = 0
  public var counterResets = 0
  /// New series ignored in the last scrape: the target had `maxSeriesPerTarget` live ones.
  public var seriesOverLimit = 0
  /// Scrapes in which the limit was reached (a new series was ignored).
  public var scrapesOverLimit = 0
  public var lastError: String?
  public var lastParseIssue: String?
  /// Istio TCP series seen without locality labels (an older ztunnel).
  public var seriesWithoutLocality = 0
  public var istioSeries = 0

  public init(target: String) { self.target = target }
}

/// The counter engine: per target and series, increases between consecutive
/// scrapes (counter resets, series that appear mid-way, missed scrapes, targets
/// that come and go), accumulated per flow.
///
/// Series are never compared across
/// targets. Memory is bounded by the live series.
///
/// Bodies of different targets may be ingested at once on up to `lanes` threads, each with
/// its own lane number; everything else (taking rounds, compacting, removing targets) is
/// called with no ingest running.
public final class TrafficEngine {
  public let options: EngineOptions
  public private(set) var flows = FlowTable()
  /// Counts since the last `takeDeltas()`, one accumulator per lane.
  private let lanes: [Lane]
  /// Guards what lanes share while they ingest: the target table, the flows (with their
  /// strings and the hop index) and the round's start.
  private let shared = Mutex(())
  /// The strings of label values that make flow keys, one copy of each.
  var values = ValueInterner()
  /// Flow label sets seen before -> their flows.
  private var hops = HopIndex()
  private var targets: [String: TargetState] = [:]
  private var targetOrder: [String] = []
  /// The earliest scrape the increases since the last `takeRound` start from.
  private var pendingStartMs: Int64?
  /// Rounds taken so far, and per flow the number of the last round it was in.
  private var roundNumber = 0
  private var lastRound: [Int] = []
  /// The flow count at which `compactFlows` next looks for flows to forget.
  private var compactionCheckAt = 4096
  /// Flows forgotten so far (see `compactFlows`).
  public private(set) var forgottenFlows = 0

  /// `lanes`: how many bodies may be ingested at once (see `ingest(lane:)`).
  public init(options: EngineOptions = EngineOptions(), lanes: Int = 1) {
    self.options = options
    self.lanes = (0..<max(1, lanes)).map { _ in Lane() }
  }

  /// The number of lanes bodies can be ingested on at once.
  public var laneCount: Int { lanes.count }

  // MARK: - Ingest

  /// Feeds one successful scrape of `target` taken at `timeMs`.
  ///
  /// A body that is not metrics (a non-metrics content type, or no valid sample and parse
  /// errors) is a failed scrape. Calls running at once must use different lanes and targets.
  @discardableResult
  public func ingest(
    target: String, timeMs: Int64, body: UnsafeRawBufferPointer, contentType: String?,
    latency: Double? = nil, lane: Int = 0
  ) -> TargetHealth {
    let lane = lanes[lane]
    let state = state(for: target)
    if let why = Self.notMetrics(contentType: contentType) {
      recordFailure(target: target, timeMs: timeMs, error: why, latency: latency)
      return state.health
    }
    let format = ExpositionFormat.detect(contentType: contentType, body: body)
    let counting: Bool
    if let last = state.lastScrapeMs {
      counting = timeMs >= last
    } else {
      counting = options.countFirstScrape
    }
    state.scrapeNumber += 1
    // Over the limit in this scrape (a count per scrape added up to one per series and poll).
    state.health.seriesOverLimit = 0
    // The sink owns the target's series and the accumulator while the body is parsed:
    // the per-sample path then works on its own fields (no run-time exclusivity checks
    // on class properties), and swapping moves them without copying.
    var sink = IstioSink(engine: self, state: state, scrapeNumber: state.scrapeNumber, counting: counting)
    swap(&sink.series, &state.series)
    swap(&sink.accumulator, &lane.accumulator)
    let parser = state.parser(for: format)
    let summary = parser.parse(body, into: &sink)
    swap(&sink.series, &state.series)
    swap(&sink.accumulator, &lane.accumulator)
    if summary.samples == 0 && summary.invalidLines > 0 {
      // Nothing was counted (no sample reached the sink): as if the scrape had failed.
      state.scrapeNumber -= 1
      let issue = summary.issues.first.map { "\($0.line):\($0.column): \($0.message)" } ?? "no sample"
      recordFailure(target: target, timeMs: timeMs, error: "no valid sample: \(issue)", latency: latency)
      return state.health
    }
    if counting {
      let from = state.lastScrapeMs ?? timeMs
      shared.withLock { _ in pendingStartMs = min(pendingStartMs ?? from, from) }
    }
    if state.health.seriesOverLimit > 0 { state.health.scrapesOverLimit += 1 }
    state.health.invalidLines = summary.invalidLines
    state.health.lastParseIssue = summary.issues.first.map { "line \($0.line):\($0.column): \($0.message)" }
    state.health.samples = summary.samples
    state.evictStale(after: options.evictAfterMissedScrapes)
    state.lastScrapeMs = timeMs
    state.health.up = true
    state.health.scrapes += 1
    state.health.consecutiveFailures = 0
    state.health.lastScrapeMs = timeMs
    state.health.lastLatency = latency
    state.health.lastBodyBytes = body.count
    state.health.series = state.liveSeries
    state.health.lastError = nil
    return state.health
  }

  /// Why a body of this content type is not metrics, or nil when it may be.
  static func notMetrics(contentType: String?) -> String? {
    guard let ct = contentType?.split(separator: ";").first?.filter({ !$0.isWhitespace }).lowercased(),
      !ct.isEmpty
    else { return nil }
    let refused = ["text/html", "application/json", "application/xml", "text/xml", "application/xhtml+xml"]
    guard refused.contains(ct) || ct.hasPrefix("image/") else { return nil }
    return "not metrics: Content-Type \(Sanitize.short(ct, limit: 60))"
  }

  /// Records a failed scrape (the target's series keep their last values); returns the
  /// target's health after it.
  @discardableResult
  public func recordFailure(target: String, timeMs: Int64, error: String, latency: Double? = nil) -> TargetHealth {
    let state = state(for: target)
    state.health.up = false
    state.health.failures += 1
    state.health.consecutiveFailures += 1
    state.health.lastError = error
    state.health.lastLatency = latency
    return state.health
  }

  /// Health of every target, in first-seen order.
  public var health: [TargetHealth] { targetOrder.compactMap { targets[$0]?.health } }

  /// A new process, started at `atMs`, now answers for the target (a ztunnel pod
  /// created on its node): its series are forgotten, so the next scrape counts each
  /// one whole from zero, like a counter reset, also for a target not scraped before.
  public func restartTarget(_ target: String, atMs: Int64) {
    let state = state(for: target)
    state.series = TargetSeries()
    if state.lastScrapeMs == nil { state.lastScrapeMs = atMs } else { state.health.counterResets += 1 }
  }

  /// Notes what the last fetch of `target` moved over the network; returns its health.
  @discardableResult
  public func noteWireBytes(_ bytes: Int, target: String) -> TargetHealth {
    let state = state(for: target)
    state.health.lastWireBytes = bytes
    return state.health
  }

  /// Forgets every target (series, last values, health) and the counts not yet taken, but
  /// keeps the flows and their ids.
  ///
  /// A replay moved to another point counts on from the
  /// scrapes it feeds next, with the ids the app's history already holds. Every flow counts
  /// as seen in the newest round, so none is forgotten while the history may still hold it.
  public func forgetTargets() {
    targets = [:]
    targetOrder = []
    pendingStartMs = nil
    for lane in lanes { _ = lane.accumulator.take() }
    lastRound = [Int](repeating: roundNumber, count: flows.count)
  }

  /// Forgets a target (it left the target list).
  public func removeTarget(_ target: String) {
    targets[target] = nil
    targetOrder.removeAll { $0 == target }
  }

  // MARK: - Deltas

  /// The counts accumulated since the last call, as (flow id, counts), and resets them.
  public func takeDeltas() -> [(Int32, Counts)] {
    pendingStartMs = nil
    roundNumber += 1
    // Lanes after the first add into it: one list, each flow once.
    let first = lanes[0]
    for lane in lanes.dropFirst() { for (id, c) in lane.accumulator.take() { first.accumulator.add(id, c) } }
    let deltas = first.accumulator.take()
    if lastRound.count < flows.count { lastRound += repeatElement(roundNumber, count: flows.count - lastRound.count) }
    for (id, _) in deltas { lastRound[Int(id)] = roundNumber }
    return deltas
  }

  /// The increases since the last call as a round ending at `endMs`.
  public func takeRound(endMs: Int64) -> TrafficRound {
    let start = pendingStartMs ?? endMs
    return TrafficRound(startMs: start, endMs: endMs, deltas: takeDeltas())
  }

  /// The flow of a new series and whether it has locality labels: from the hop index when
  /// its flow labels were seen before, else from a key built from them.
  func flow(of s: SampleRef) -> (id: Int32, hasLocality: Bool) {
    let hash = HopIndex.hash(s)
    return shared.withLock { _ in
      if let hash, let id = hops.flow(of: s, hash: hash, in: flows) { return (id, flows.keys[Int(id)].hasLocality) }
      let key = IstioSink.flowKey(s, values: &values)
      let id = flows.id(for: key)
      if let hash { hops.remember(hash, flow: id) }
      return (id, key.hasLocality)
    }
  }

  // MARK: - Forgetting flows

  /// Forgets the flows no live series refers to that were in none of the last
  /// `keepFlowsForRounds` rounds, and renumbers the others (in the same order); nil when
  /// it did not look or found nothing to forget.
  ///
  /// Call it after `takeRound` and after handing the new flows over: the compaction
  /// then applies to a history holding the same ids. It looks only when the table grew
  /// by an eighth since it last did (at least 4,096 flows), so the work stays linear in
  /// the flows created and the table within about 1.125 times the flows still needed
  /// (by a half, RSS in the churn soak swung between 1.19 and 1.42 GB once the window was full).
  public func compactFlows() -> FlowCompaction? {
    guard flows.count >= compactionCheckAt else { return nil }
    var keep = [Bool](repeating: false, count: flows.count)
    for state in targets.values {
      state.series.index.forEachValue { keep[Int(state.series.slots[Int($0)].flow)] = true }
    }
    for lane in lanes { lane.accumulator.forEachTouched { keep[Int($0)] = true } }
    for (id, round) in lastRound.enumerated() where roundNumber - round < options.keepFlowsForRounds {
      keep[id] = true
    }
    // Flows created since the last round are in the next one.
    for id in lastRound.count..<flows.count { keep[id] = true }
    var newIDs = [Int32](repeating: -1, count: flows.count)
    var kept: [FlowKey] = []
    kept.reserveCapacity(flows.count)
    for (id, k) in keep.enumerated() where k {
      newIDs[id] = Int32(kept.count)
      kept.append(flows.keys[id])
    }
    let forgotten = flows.count - kept.count
    compactionCheckAt = max(4096, kept.count + kept.count / 8)
    guard forgotten > 0 else { return nil }
    let compaction = FlowCompaction(newIDs: newIDs, forgotten: forgotten)
    for state in targets.values {
      for i in state.series.slots.indices {
        // A free slot's flow is never read again; 0 keeps it a valid id.
        state.series.slots[i].flow = compaction.map(state.series.slots[i].flow) ?? 0
      }
    }
    for lane in lanes { lane.accumulator.remap(compaction, count: kept.count) }
    var rounds = [Int](repeating: roundNumber, count: kept.count)
    for (id, round) in lastRound.enumerated() { if let n = compaction.map(Int32(id)) { rounds[Int(n)] = round } }
    lastRound = rounds
    flows = FlowTable(kept)
    hops = HopIndex()  // its ids are the old ones; new series refill it
    values = ValueInterner()
    for k in kept { values.keep(k) }
    forgottenFlows += forgotten
    return compaction
  }

  private func state(for target: String) -> TargetState {
    var state: TargetState?
    shared.withLock { _ in
      state = targets[target]
      guard state == nil else { return }
      let s = TargetState(target: target, limit: options.maxSeriesPerTarget)
      targets[target] = s
      targetOrder.append(target)
      state = s
    }
    // Force unwrap: set in both branches above.
    // swift-format-ignore: NeverForceUnwrap
    return state!
  }
}

// MARK: - Flow keys and counts

/// Label values as strings, one copy of each: the flow keys of new series share the
/// strings of values seen before instead of allocating their own (a first poll of a
/// large mesh creates hundreds of thousands of keys from a few thousand values).
struct ValueInterner {
  private var strings: [UInt64: String] = [:]

  /// The string of `bytes`.
  mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    // Up to 15 bytes a String is stored inline: nothing to share.
    guard bytes.count > 15, let base = bytes.baseAddress else { return String(decoding: bytes, as: UTF8.self) }
    let h = hashBytes(base, bytes.count)
    // Force unwrap: only strings over 15 bytes are interned.
    // swift-format-ignore: NeverForceUnwrap
    if let known = strings[h], known.utf8.count == bytes.count,
      known.utf8.withContiguousStorageIfAvailable({ memcmp($0.baseAddress!, base, bytes.count) == 0 }) == true
    {
      return known
    }
    let s = String(decoding: bytes, as: UTF8.self)
    if strings[h] == nil { strings[h] = s }  // a chance collision keeps the first
    return s
  }

  /// Keeps the strings of a flow kept when others were forgotten (the interner starts over then).
  mutating func keep(_ k: FlowKey) {
    for s in [
      k.sourceWorkload, k.sourceNamespace, k.destinationWorkload, k.destinationNamespace, k.destinationService,
      k.source.region, k.source.zone, k.destination.region, k.destination.zone, k.sourceCluster,
      k.destinationCluster, k.sourcePrincipal, k.destinationPrincipal,
    ] where s.utf8.count > 15 {
      var copy = s
      // Force unwrap: a string of more than 15 bytes has storage.
      // swift-format-ignore: NeverForceUnwrap
      let h = copy.withUTF8 { hashBytes($0.baseAddress!, $0.count) }
      if strings[h] == nil { strings[h] = s }
    }
  }
}

/// One lane's counts (a class: lanes are reached from several threads, each its own).
final class Lane {
  var accumulator = FlowAccumulator()
}

/// Counts per flow since they were last taken.
struct FlowAccumulator {
  private var pending: [Counts] = []
  private var touched: [Int32] = []
  private var touchedMark: [Bool] = []

  /// Adds counts to a flow (also used to mark a flow present with zero counts).
  @inline(__always)
  mutating func add(_ id: Int32, _ c: Counts) {
    let i = Int(id)
    if i >= pending.count {
      pending.append(contentsOf: repeatElement(Counts(), count: i + 1 - pending.count))
      touchedMark.append(contentsOf: repeatElement(false, count: i + 1 - touchedMark.count))
    }
    pending[i] += c
    if !touchedMark[i] {
      touchedMark[i] = true
      touched.append(id)
    }
  }

  /// The counts added since the last call, as (flow id, counts), and resets them.
  mutating func take() -> [(Int32, Counts)] {
    var out: [(Int32, Counts)] = []
    out.reserveCapacity(touched.count)
    for id in touched {
      out.append((id, pending[Int(id)]))
      pending[Int(id)] = Counts()
      touchedMark[Int(id)] = false
    }
    touched.removeAll(keepingCapacity: true)
    return out
  }

  /// Calls `body` with each flow added to since the last `take`.
  func forEachTouched(_ body: (Int32) -> Void) { touched.forEach(body) }

  /// Renumbers the flows after a compaction (to `count` flows); counts of forgotten flows are dropped.
  mutating func remap(_ c: FlowCompaction, count: Int) {
    var newPending = [Counts](repeating: Counts(), count: count)
    var newTouched: [Int32] = []
    for id in touched {
      guard let n = c.map(id) else { continue }
      newPending[Int(n)] = pending[Int(id)]
      newTouched.append(n)
    }
    pending = newPending
    touched = newTouched
    touchedMark = [Bool](repeating: false, count: count)
    for id in touched { touchedMark[Int(id)] = true }
  }
}

// MARK: - Per-target state

/// One target's live series: series hash -> slot, the slots, and free slot numbers.
struct TargetSeries {
  struct Slot {
    var last: UInt64
    var lastSeen: Int32
    var flow: Int32
    var family: IstioFamily
  }

  var index = SeriesIndex()
  var slots: [Slot] = []
  var free: [Int32] = []

  /// Forgets series not seen since scrape `cutoff`, keeping their slots for reuse.
  mutating func evict(notSeenSince cutoff: Int32) {
    free += index.removeAll { slots[Int($0)].lastSeen < cutoff }
  }
}

/// Counter state of one target's series.
final class TargetState {
  var health: TargetHealth
  var lastScrapeMs: Int64?
  var scrapeNumber: Int32 = 0
  var series = TargetSeries()
  let limit: Int
  private var omParser: ExpositionParser?
  private var promParser: ExpositionParser?

  init(target: String, limit: Int) {
    health = TargetHealth(target: target)
    self.limit = limit
  }

  var liveSeries: Int { series.index.count }

  func parser(for format: ExpositionFormat) -> ExpositionParser {
    switch format {
    case .openMetrics:
      if let p = omParser { return p }
      let p = ExpositionParser(format: .openMetrics, mode: .lenient)
      omParser = p
      return p
    case .prometheusText:
      if let p = promParser { return p }
      let p = ExpositionParser(format: .prometheusText, mode: .lenient)
      promParser = p
      return p
    }
  }

  func evictStale(after missed: Int) {
    guard scrapeNumber % 4 == 0 else { return }
    series.evict(notSeenSince: scrapeNumber - Int32(missed))
  }
}

/// The four ztunnel TCP families zonetop counts.
enum IstioFamily: UInt8 {
  case opened, closed, received, sent

  static let prefix = StaticBytes("istio_tcp_")
  static let receivedName = StaticBytes("istio_tcp_received_bytes_total")
  static let sentName = StaticBytes("istio_tcp_sent_bytes_total")
  static let openedName = StaticBytes("istio_tcp_connections_opened_total")
  static let closedName = StaticBytes("istio_tcp_connections_closed_total")

  @inline(__always)
  static func of(_ s: SampleRef) -> IstioFamily? {
    let n = s.nameEnd - s.nameStart
    guard n >= 26, prefix.equals(s.base + s.nameStart, 10) else { return nil }
    let p = s.base + s.nameStart
    switch n {
    case 30: return receivedName.equals(p, n) ? .received : nil
    case 26: return sentName.equals(p, n) ? .sent : nil
    case 34: return openedName.equals(p, n) ? .opened : (closedName.equals(p, n) ? .closed : nil)
    default: return nil
    }
  }
}

/// Receives parsed samples of one scrape and turns counter values into deltas.
struct IstioSink: SampleSink {
  let engine: TrafficEngine
  let state: TargetState
  let scrapeNumber: Int32
  /// Whether increases count (false for a target's first scrape, its baseline).
  let counting: Bool
  /// The target's series and the engine's accumulator, moved in for one body.
  var series = TargetSeries()
  var accumulator = FlowAccumulator()

  @inline(__always)
  mutating func consume(_ s: SampleRef) {
    guard let family = IstioFamily.of(s) else { return }
    guard let value = Self.counterValue(s) else {
      state.health.invalidCounterValues += 1
      return
    }
    if let slotIndex = series.index.find(s.seriesHash) {
      var slot = series.slots[Int(slotIndex)]
      if slot.lastSeen == scrapeNumber { return }  // duplicate series in one body
      var delta: UInt64 = 0
      if value >= slot.last {
        delta = value - slot.last
      } else {
        delta = value  // counter reset: the new value is the increase
        state.health.counterResets += 1
      }
      slot.last = value
      slot.lastSeen = scrapeNumber
      series.slots[Int(slotIndex)] = slot
      if counting {
        record(slot.flow, family, delta)
      } else {
        accumulator.add(slot.flow, Counts())  // present (for the reporter policy), nothing counted
      }
      return
    }
    // A series seen for the first time.
    guard series.index.count < state.limit else {
      state.health.seriesOverLimit += 1
      return
    }
    let (flow, hasLocality) = engine.flow(of: s)
    state.health.istioSeries += 1
    if !hasLocality { state.health.seriesWithoutLocality += 1 }
    let slot = TargetSeries.Slot(last: value, lastSeen: scrapeNumber, flow: flow, family: family)
    let index: Int32
    if let reuse = series.free.popLast() {
      series.slots[Int(reuse)] = slot
      index = reuse
    } else {
      index = Int32(series.slots.count)
      series.slots.append(slot)
    }
    series.index.insert(s.seriesHash, index)
    // A series that appears while its target was already scraped started at zero.
    if counting {
      record(flow, family, value)
    } else {
      accumulator.add(flow, Counts())  // present (for the reporter policy), nothing counted
    }
  }

  @inline(__always)
  private mutating func record(_ flow: Int32, _ family: IstioFamily, _ delta: UInt64) {
    var c = Counts()
    switch family {
    case .received: c.received = delta
    case .sent: c.sent = delta
    case .opened: c.opened = delta
    case .closed: c.closed = delta
    }
    accumulator.add(flow, c)
  }

  /// The counter's value as an exact integer, or nil for NaN, negative or absurd values.
  @inline(__always)
  static func counterValue(_ s: SampleRef) -> UInt64? {
    if let exact = s.exactValue { return exact }
    let v = s.value
    guard v.isFinite, v >= 0, v < 1.8e19 else { return nil }
    return UInt64(v.rounded())
  }

  /// The index in `FlowKey.labelNames` of a label's name, or nil when it is no flow label.
  @inline(__always)
  static func flowLabel(_ s: SampleRef, _ l: LabelSpan) -> Int? {
    FlowLabelNames.shared.index(of: s.base + Int(l.nameStart), Int(l.nameLength))
  }

  /// The flow a new series belongs to, its label values as shared strings.
  static func flowKey(_ s: SampleRef, values interner: inout ValueInterner) -> FlowKey {
    var values = [String?](repeating: nil, count: FlowKey.labelNames.count)
    for l in s.labels {
      guard let i = flowLabel(s, l) else { continue }
      if l.escaped {
        values[i] = s.decodedValue(l).withUnsafeBufferPointer { interner.string($0) }
      } else {
        values[i] = interner.string(UnsafeBufferPointer(start: s.base + Int(l.valueStart), count: Int(l.valueLength)))
      }
    }
    return FlowKey(values: values)
  }
}

extension FlowKey {
  /// The label names a flow is made of (what a Prometheus query must keep in `sum by`).
  public static let labelNames = [
    "reporter", "source_workload", "source_workload_namespace", "destination_workload",
    "destination_workload_namespace", "destination_service", "source_region", "source_zone",
    "destination_region", "destination_zone", "source_cluster", "destination_cluster", "source_principal",
    "destination_principal",
  ]

  /// A flow from ztunnel labels; missing values are `unknown`, missing locality labels mean an older ztunnel.
  public init(labels: [String: String]) {
    self.init(values: Self.labelNames.map { labels[$0] })
  }

  /// A flow from the values of `labelNames`, in order (nil: the label was absent).
  init(values v: [String?]) {
    func val(_ i: Int) -> String {
      guard let s = v[i], !s.isEmpty else { return "unknown" }
      return s
    }
    let reporter: Reporter = v[0] == "source" ? .source : v[0] == "destination" ? .destination : .unknown
    let hasLocality = v[6] != nil || v[7] != nil || v[8] != nil || v[9] != nil
    self.init(
      reporter: reporter, sourceWorkload: val(1), sourceNamespace: val(2), destinationWorkload: val(3),
      destinationNamespace: val(4), destinationService: val(5),
      source: Locality(region: val(6), zone: val(7)), destination: Locality(region: val(8), zone: val(9)),
      hasLocality: hasLocality, sourceCluster: val(10), destinationCluster: val(11), sourcePrincipal: val(12),
      destinationPrincipal: val(13))
  }
}

/// The flow labels' names laid out for lookups that allocate and retain nothing (every new
/// series looks up each of its labels): the names' bytes one after another, and per name
/// length the (at most two) names of that length.
final class FlowLabelNames: Sendable {
  static let shared = FlowLabelNames()

  // Unchecked: written once in `init`, read-only after; never freed (one per process).
  nonisolated(unsafe) private let bytes: UnsafeMutablePointer<UInt8>
  nonisolated(unsafe) private let offsets: UnsafeMutablePointer<Int>
  /// Per length, two name indices (-1: none).
  nonisolated(unsafe) private let byLength: UnsafeMutablePointer<Int8>
  private let longest: Int

  private init() {
    let names = FlowKey.labelNames.map { Array($0.utf8) }
    longest = names.map(\.count).max() ?? 0
    bytes = .allocate(capacity: names.reduce(0) { $0 + $1.count })
    offsets = .allocate(capacity: names.count)
    byLength = .allocate(capacity: 2 * (longest + 1))
    byLength.initialize(repeating: -1, count: 2 * (longest + 1))
    var at = 0
    for (i, name) in names.enumerated() {
      offsets[i] = at
      (bytes + at).initialize(from: name, count: name.count)
      at += name.count
      let slot = byLength[2 * name.count] < 0 ? 2 * name.count : 2 * name.count + 1
      precondition(byLength[slot] < 0, "three flow label names of one length")
      byLength[slot] = Int8(i)
    }
  }

  /// The index in `FlowKey.labelNames` of the name `p[0..<n]`, or nil.
  @inline(__always)
  func index(of p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard n <= longest else { return nil }
    for slot in 2 * n...2 * n + 1 {
      let i = Int(byLength[slot])
      if i >= 0 && memcmp(bytes + offsets[i], p, n) == 0 { return i }
    }
    return nil
  }
}
