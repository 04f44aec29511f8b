import Dispatch
import Foundation
import Synchronization
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopTraffic

/// One poll of many targets on every core: libcurl's transfers run on the calling thread
/// while workers (one per engine lane) parse and count bodies as soon as they are complete,
/// and, when recording, another thread writes each frame; a transfer never waits on parsing,
/// so its timeout measures only the target.
///
/// Bodies land in the pipeline's pool of buffers, kept between polls, and each goes back to
/// it once counted and written; at most `transfers + 16` are out at once, which bounds the
/// memory a poll holds whatever the number of targets (a body waiting for a worker holds
/// back the next transfer, whose timeout has not started).
public final class ScrapePipeline: @unchecked Sendable {
  // Unchecked: during `run` the engine is reached only by the workers, each on its own
  // lane and target; `recorder` only on `writing`; `run` waits for both before it returns.
  public let engine: TrafficEngine
  private let recorder: RecordingWriter?
  private let buffers: BufferPool
  /// The transfers in flight at once it was made for.
  public let transfers: Int
  private let writing = DispatchQueue(label: "zonetop-record")
  private let recordingError = Mutex<String?>(nil)

  /// What one fetch came to, for backoff and errors: the body itself is gone.
  public struct Outcome: Sendable {
    public var target: String
    public var startMs: Int64
    public var isSuccess: Bool
    public var error: String?
    public var health: TargetHealth
  }

  /// `transfers`: the transfers in flight at once (`HTTPOptions.maxConcurrent`); the engine's
  /// lanes set how many bodies are parsed at once.
  public init(engine: TrafficEngine, recordTo recorder: RecordingWriter? = nil, transfers: Int) {
    self.engine = engine
    self.recorder = recorder
    self.transfers = transfers
    buffers = BufferPool(limit: max(1, transfers) + 16)
  }

  /// Receive buffers taken and not given back (0 between runs).
  public var buffersInUse: Int { buffers.inUse }

  /// Parse lanes for this machine: one per core, at most 4 (beyond, the shared flow table's
  /// lock and the transfers' thread are the limit).
  public static var lanesForThisMachine: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

  /// Fetches `targets` (ending at `deadline`, monotonic seconds), counts every body, records
  /// every frame; returns each fetch's outcome in the order they were counted, and the first
  /// recording error (the recording stops at it).
  public func run(
    _ targets: [ScrapeTarget], http: HTTPOptions, deadline: Double? = nil, cancelled: () -> Bool = { false }
  ) -> (outcomes: [Outcome], recordingError: String?) {
    let queue = ResultQueue()
    let outcomes = Mutex<[Outcome]>([])
    let work = DispatchGroup()
    for lane in 0..<engine.laneCount {
      DispatchQueue.global().async(group: work) { [self] in
        while let result = queue.next() {
          // The frame is written while the body is counted; the buffer goes back after both.
          let holders = Holders(recorder == nil ? 1 : 2)
          let release: @Sendable () -> Void = { [buffers] in if holders.leave() { buffers.give(result.body) } }
          if recorder != nil { write(result, group: work, then: release) }
          let health = engine.ingest(result, lane: lane)
          outcomes.withLock {
            $0.append(
              Outcome(
                target: result.target, startMs: result.startMs, isSuccess: result.isSuccess, error: result.error,
                health: health))
          }
          release()
        }
      }
    }
    Poller(options: http, buffers: buffers).fetch(targets, deadline: deadline, cancelled: cancelled) { _, result in
      queue.put(result)
    }
    queue.close()
    work.wait()
    return (outcomes.withLock { $0 }, recordingError.withLock { $0 })
  }

  /// Writes the frame on the recording's thread, then calls `done`.
  private func write(_ result: ScrapeResult, group: DispatchGroup, then done: @escaping @Sendable () -> Void) {
    writing.async(group: group) { [self] in
      if let recorder, recordingError.withLock({ $0 == nil }) {
        do { try recorder.append(result.frame) } catch {
          recordingError.withLock { $0 = "\(error)" }
        }
      }
      done()
    }
  }
}

/// How many still use a body: the last to leave gives its buffer back.
private final class Holders: Sendable {
  private let count: Atomic<Int>
  init(_ n: Int) { count = Atomic(n) }
  /// True for the last one.
  func leave() -> Bool { count.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// Results waiting for a worker: `next` blocks until one comes or the queue is closed.
private final class ResultQueue: Sendable {
  private let items = Mutex<(waiting: [ScrapeResult], closed: Bool)>(([], false))
  private let ready = DispatchSemaphore(value: 0)

  func put(_ r: ScrapeResult) {
    items.withLock { $0.waiting.append(r) }
    ready.signal()
  }

  /// No more results: every worker's `next` returns nil once the queue is empty.
  func close() {
    items.withLock { $0.closed = true }
    // One wake-up: each worker that finds the queue closed passes it on to the next.
    ready.signal()
  }

  func next() -> ScrapeResult? {
    while true {
      ready.wait()
      let (item, done) = items.withLock { s -> (ScrapeResult?, Bool) in
        s.waiting.isEmpty ? (nil, s.closed) : (s.waiting.removeFirst(), false)
      }
      if let item { return item }
      if done {
        ready.signal()  // pass the wake-up on to the next worker
        return nil
      }
    }
  }
}
