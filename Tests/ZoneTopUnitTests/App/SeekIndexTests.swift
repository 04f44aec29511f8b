import Testing
import ZoneTopCollect
import ZoneTopTraffic

/// Seeking a replay through its index of rounds: wherever a seek lands, and however it got
/// there (reusing the rounds the app holds, or counting only the rounds just before the
/// point), the rounds the app then holds are those a straight replay to that point has.
@Suite struct SeekIndexTests {
  /// A round as a user sees it: its span and each flow's increases, by flow key (ids differ
  /// between replays that met flows in another order).
  struct Round: Equatable {
    var startMs: Int64
    var endMs: Int64
    var counts: [FlowKey: Counts]
  }

  static func rounds(_ data: CollectedData) -> [Round] {
    data.history.rounds.map { r in
      var counts: [FlowKey: Counts] = [:]
      for (id, c) in r.deltas { counts[data.history.flows.keys[Int(id)], default: Counts()] += c }
      return Round(startMs: r.startMs, endMs: r.endMs, counts: counts)
    }
  }

  /// The data a replay hands over, applied in order, until it has caught up with its clock.
  static func drain(_ replay: ReplaySource, into data: inout CollectedData) -> [SourceUpdate] {
    var taken: [SourceUpdate] = []
    repeat {
      let updates = replay.takeUpdates(realSeconds: 0)
      for u in updates { data.apply(u) }
      taken += updates
    } while replay.isBehind
    return taken
  }

  /// What a replay from the start to `ms` holds, with the app keeping `kept` rounds.
  static func straight(toMs ms: Int64, kept: Int) -> [Round] {
    let replay = ReplaySource(source: Demo.recording)
    replay.isPaused = true
    replay.advance(toMs: ms)
    var data = CollectedData(maxRounds: kept)
    _ = drain(replay, into: &data)
    return rounds(data)
  }

  @Test func steppingBackReusesTheHeldRoundsAndCountsOnExactly() {
    let replay = ReplaySource(source: Demo.recording)
    replay.isPaused = true
    replay.ingestBudgetSeconds = 0
    var data = CollectedData(maxRounds: 360)
    let start = replay.startMs
    replay.seek(toMs: start + 20 * 60_000)
    _ = Self.drain(replay, into: &data)
    let before = data.history.rounds.count
    #expect(before > 30)

    // Back to the middle of a round, 13 minutes earlier.
    let back = start + 7 * 60_000 + 2_500
    replay.seek(toMs: back)
    let updates = Self.drain(replay, into: &data)
    #expect(!updates.contains { $0.resets }, "the held rounds were reused, not counted again")
    #expect(replay.virtualMs == back)
    let expected = Self.straight(toMs: back, kept: 360)
    #expect(updates.reduce(0) { $0 + $1.dropNewestRounds } == before - expected.count)
    #expect(Self.rounds(data) == expected)

    // Counting on from there gives what a straight replay gives.
    replay.step(30)
    _ = Self.drain(replay, into: &data)
    let later = Self.straight(toMs: replay.virtualMs, kept: 360)
    #expect(Self.rounds(data).count == later.count)
    #expect(Self.rounds(data) == later)
    #expect(later.contains { !$0.counts.isEmpty })
  }

  @Test func aSeekBeyondTheHeldRoundsCountsOnlyTheRoundsBeforeThePoint() {
    let replay = ReplaySource(source: Demo.recording)
    replay.isPaused = true
    replay.keptRounds = 20
    replay.seekHistoryRounds = 12
    var data = CollectedData(maxRounds: 20)
    let start = replay.startMs
    replay.seek(toMs: start + 30 * 60_000)
    _ = Self.drain(replay, into: &data)

    for target in [start + 5 * 60_000 + 1_000, start + 50 * 60_000, start + 61_000] {
      replay.seek(toMs: target)
      let updates = Self.drain(replay, into: &data)
      #expect(updates.first?.resets == true, "the app starts over at \(target - start) ms")
      let counted = updates.reduce(0) { $0 + $1.rounds.count }
      #expect(counted <= 12, "\(counted) rounds counted for a seek to \(target - start) ms")
      // The rounds it holds are the newest of a straight replay's, exactly.
      let expected = Self.straight(toMs: target, kept: 20)
      let held = Self.rounds(data)
      #expect(!held.isEmpty)
      #expect(held == Array(expected.suffix(held.count)))
      #expect(held.count == min(12, expected.count))
    }
  }

  @Test func aSeekToTheStartThenForwardMatchesAStraightReplay() {
    let replay = ReplaySource(source: Demo.recording)
    replay.isPaused = true
    var data = CollectedData(maxRounds: 360)
    replay.seek(toMs: replay.startMs + 10 * 60_000)
    _ = Self.drain(replay, into: &data)
    replay.seek(toMs: replay.startMs)
    _ = Self.drain(replay, into: &data)
    #expect(data.history.rounds.allSatisfy { $0.deltas.isEmpty })
    replay.seek(toMs: replay.startMs + 3 * 60_000)
    _ = Self.drain(replay, into: &data)
    #expect(Self.rounds(data) == Self.straight(toMs: replay.startMs + 3 * 60_000, kept: 360))
  }
}
