import Foundation
import Synchronization
import ZoneTopTraffic

/// The background thread a live feed collects on.
///
/// `stop` asks it to end and waits
/// (up to 5 s) until it has, so that the process never exits under a transfer still
/// inside libcurl and OpenSSL (their exit handlers would pull memory from under it).
final class CollectionThread: Sendable {
  private let stopping = Atomic<Bool>(false)
  private let running = Atomic<Bool>(false)

  var isStopping: Bool { stopping.load(ordering: .relaxed) }

  func start(name: String, _ body: @escaping @Sendable () -> Void) {
    running.store(true, ordering: .sequentiallyConsistent)
    let thread = Thread { [self] in
      body()
      running.store(false, ordering: .sequentiallyConsistent)
    }
    thread.name = name
    thread.start()
  }

  func stop() {
    stopping.store(true, ordering: .sequentiallyConsistent)
    let deadline = WallClock.monotonic() + 5
    while running.load(ordering: .sequentiallyConsistent) && WallClock.monotonic() < deadline { usleep(10_000) }
  }
}
