import Testing
import ZoneTopTraffic

/// A round keeps its increases packed: what goes in comes out, whatever the ids and counts.
@Suite struct PackedRoundTests {
  @Test func increasesComeOutAsTheyWentIn() {
    let deltas: [(Int32, Counts)] = [
      (7, Counts(received: 1, sent: 2, opened: 3, closed: 4)),
      (0, Counts()),
      (Int32.max, Counts(received: .max, sent: .max - 1, opened: 1 << 63, closed: 127)),
      (3, Counts(received: 128, sent: 16_384, opened: 0, closed: 1)),
      (3, Counts(received: 5)),
    ]
    let round = TrafficRound(startMs: 0, endMs: 5000, deltas: deltas)
    #expect(round.flowCount == deltas.count)
    #expect(round.deltas.map(\.0) == deltas.map(\.0))
    #expect(round.deltas.map(\.1) == deltas.map(\.1))
    var seen: [Int32] = []
    round.forEachDelta { id, _ in seen.append(id) }
    #expect(seen == deltas.map(\.0))
    #expect(TrafficRound(startMs: 0, endMs: 0, deltas: []).deltas.isEmpty)
  }

  @Test func aRoundRewrittenKeepsOnlyWhatItIsGiven() {
    var round = TrafficRound(
      startMs: 0, endMs: 5000, deltas: (0..<1000).map { (Int32($0), Counts(received: UInt64($0))) })
    round.deltas = round.deltas.filter { $0.0 % 2 == 0 }
    #expect(round.flowCount == 500)
    #expect(round.deltas.allSatisfy { $0.0 % 2 == 0 && $0.1.received == UInt64($0.0) })
  }
}
