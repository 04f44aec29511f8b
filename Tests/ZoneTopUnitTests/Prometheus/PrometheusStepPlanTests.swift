import Testing
import ZoneTopCollect

/// Which steps the TUI's Prometheus source asks for at each refresh: the whole window once,
/// then only the new and unsettled steps (perf report section 4: each refresh used to
/// re-evaluate the whole window).
@Suite struct PrometheusStepPlanTests {
  static let step: Int64 = 30_000
  static let window: Int64 = 300_000
  static let settle: Int64 = 35_000
  static let anchor: Int64 = 1_800_000_000_000

  static func plan(_ now: Int64, _ settled: [Int64?]) -> (range: (Int64, Int64)?, isWholeWindow: Bool) {
    PrometheusSource.plan(nowMs: now, anchorMs: anchor, windowMs: window, stepMs: step, settled: settled)
  }

  static func steps(_ range: (Int64, Int64)?) -> Int { range.map { Int(($0.1 - $0.0) / step) + 1 } ?? 0 }

  @Test func theFirstRefreshAsksForTheWholeWindowAndTheNextOnlyForUnsettledSteps() throws {
    let first = Self.plan(Self.anchor, [nil])
    #expect(first.isWholeWindow)
    #expect(Self.steps(first.range) == 10)
    #expect(first.range?.1 == Self.anchor)
    let settled = PrometheusSource.settledStep(
      after: nil, nowMs: Self.anchor, endMs: Self.anchor, anchorMs: Self.anchor, stepMs: Self.step,
      settleMs: Self.settle)
    // Five seconds later: the two steps younger than 35 s when asked, nothing older.
    let next = Self.plan(Self.anchor + 5000, [settled])
    #expect(!next.isWholeWindow)
    #expect(next.range?.0 == Self.anchor - 30_000 && next.range?.1 == Self.anchor)
  }

  /// Refreshes every 5 s for 20 minutes: after the first, none asks for more than 3 steps,
  /// and the steps asked (the newest answer of each) cover every step of the window, with
  /// each step asked last at least 35 s after it ended (or still unsettled at the end).
  @Test func refreshesCoverTheWindowAskingAFewStepsEach() throws {
    var settled: Int64?
    var askedAt: [Int64: Int64] = [:]
    var now = Self.anchor
    var largest = 0
    var refreshes = 0
    while now <= Self.anchor + 1_200_000 {
      let p = Self.plan(now, [settled])
      if let (start, end) = p.range {
        if refreshes > 0 {
          #expect(!p.isWholeWindow, "at \(now - Self.anchor) ms")
          largest = max(largest, Self.steps(p.range))
        }
        for t in stride(from: start, through: end, by: Int(Self.step)) { askedAt[t] = now }
        settled = PrometheusSource.settledStep(
          after: settled, nowMs: now, endMs: end, anchorMs: Self.anchor, stepMs: Self.step, settleMs: Self.settle)
        refreshes += 1
      }
      now += 5000
    }
    #expect(largest <= 3, "largest later refresh: \(largest) steps")
    let last = now - 5000
    let newest = Self.anchor + (last - Self.anchor) / Self.step * Self.step
    for t in stride(from: newest - Self.window + Self.step, through: newest, by: Int(Self.step)) {
      let asked = try #require(askedAt[t], "step ending \(t - Self.anchor) ms never asked")
      #expect(asked - t >= Self.settle || last - t < Self.settle + Self.step, "step \(t - Self.anchor) ms")
    }
  }

  /// A server with nothing settled (it failed from the start, or too long ago) makes the refresh ask the whole window.
  @Test func aServerWithoutSettledStepsInTheWindowGetsItWhole() {
    let now = Self.anchor + 600_000
    let fresh = now - 60_000
    #expect(Self.plan(now, [fresh, nil]).isWholeWindow)
    #expect(Self.steps(Self.plan(now, [fresh, nil]).range) == 10)
    #expect(Self.plan(now, [fresh, now - 3_600_000]).isWholeWindow)
    #expect(!Self.plan(now, [fresh, fresh]).isWholeWindow)
  }
}
