import Testing
import ZoneTopCollect
import ZoneTopTraffic

/// A replay with an ingest budget counts what it can per call and catches up on the next
/// ones: the clock shows the last frame counted, and what it counts in the end is exactly
/// what a replay without a budget counts.
@Suite struct ReplayBudgetTests {
  static func totals(_ updates: [SourceUpdate]) -> (rounds: Int, bytes: UInt64) {
    var data = CollectedData(maxRounds: .max)
    for u in updates { data.apply(u) }
    let bytes = data.history.rounds.reduce(UInt64(0)) { sum, r in r.deltas.reduce(sum) { $0 + $1.1.bytes } }
    return (data.history.rounds.count, bytes)
  }

  @Test func aBudgetSpreadsTheCountingOverCallsAndLosesNothing() {
    let whole = ReplaySource(source: Demo.recording)
    let sliced = ReplaySource(source: Demo.recording)
    // No time at all: one frame per call.
    sliced.ingestBudgetSeconds = 0
    let minute = 60.0
    var wholeUpdates = whole.takeUpdates(realSeconds: minute)
    var slicedUpdates = sliced.takeUpdates(realSeconds: minute)
    #expect(sliced.isBehind, "one frame of a minute's frames counted")
    #expect(sliced.virtualMs < whole.virtualMs, "the clock stops at the last frame counted")
    var calls = 1
    while sliced.isBehind && calls < 100_000 {
      slicedUpdates += sliced.takeUpdates(realSeconds: 0)
      calls += 1
    }
    #expect(!sliced.isBehind)
    #expect(calls > 12, "the demo's 12 ztunnels scrape several times a minute")
    // A budget lets the clock run at most two intervals ahead of the counting: take the rest.
    while sliced.virtualMs < whole.virtualMs && calls < 100_000 {
      slicedUpdates += sliced.takeUpdates(realSeconds: 1)
      calls += 1
    }
    while sliced.isBehind && calls < 100_000 {
      slicedUpdates += sliced.takeUpdates(realSeconds: 0)
      calls += 1
    }
    whole.advance(toMs: sliced.virtualMs)
    wholeUpdates += whole.takeUpdates(realSeconds: 0)
    #expect(sliced.virtualMs == whole.virtualMs)
    let a = Self.totals(wholeUpdates)
    let b = Self.totals(slicedUpdates)
    #expect(a.bytes > 0)
    #expect(b.bytes == a.bytes)
    #expect(b.rounds == a.rounds)
  }
}
