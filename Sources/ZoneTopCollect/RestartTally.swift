import ZoneTopTraffic

/// Counter restarts per target: a scrape in which any of a target's series reset (or a new
/// process answered for it) is one restart, however many series reset with it.
///
/// The engine counts resets per series (one ztunnel restart is 100 of them); the Health
/// view counts what the user cares about, restarts.
public struct RestartTally: Sendable, Equatable {
  /// Restarts per target name.
  public private(set) var restarts: [String: Int] = [:]
  /// The engine's per-series reset count of each target at its last scrape.
  private var seriesResets: [String: Int] = [:]

  public init() {}

  /// Notes a target's health right after one of its scrapes was counted.
  public mutating func note(_ health: TargetHealth) {
    let before = seriesResets[health.target] ?? 0
    if health.counterResets > before { restarts[health.target, default: 0] += 1 }
    seriesResets[health.target] = health.counterResets
  }

  /// Forgets a target (it left the target list).
  public mutating func remove(_ target: String) {
    restarts[target] = nil
    seriesResets[target] = nil
  }
}
