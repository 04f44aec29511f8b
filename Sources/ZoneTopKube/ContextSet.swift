import Foundation
import Synchronization
import ZoneTopHTTP
import ZoneTopTraffic

/// Several kubeconfig contexts watched together, as k9s users move between clusters: every
/// context's ztunnels, named `CONTEXT/NODE`, each scraped with its own cluster's credentials.
///
/// Each context is listed on a thread of its own, and a poll takes the newest listing of
/// each: an API server that is down or hangs delays only its own targets' relisting, never
/// the others' polls. Its error shows, named by context, in the discovery status.
public final class ContextSet: TargetProvider, @unchecked Sendable {
  /// The newest listing of one context, and whether a listing is under way.
  private struct Member {
    var latest: TargetRefresh?
    var listing = false
  }

  public let discoveries: [KubeDiscovery]
  private let members: Mutex<[Member]>

  public init(_ discoveries: [KubeDiscovery]) {
    self.discoveries = discoveries
    members = Mutex(Array(repeating: Member(), count: discoveries.count))
  }

  /// The context names, in order.
  public var contextNames: [String] { discoveries.map { $0.api.auth.context.name } }

  /// Lists every context once, all at the same time, before polling starts; returns why the
  /// contexts that failed did (their listing is retried at every relist), and throws when
  /// every context failed.
  public func start(nowMs: Int64 = WallClock.nowMs()) throws(KubeError) -> [String] {
    let failures = Mutex<[Int: KubeError]>([:])
    DispatchQueue.concurrentPerform(iterations: discoveries.count) { i in
      do throws(KubeError) {
        _ = try discoveries[i].start(nowMs: nowMs)
        let refresh = discoveries[i].refresh(nowMs: nowMs)
        members.withLock { $0[i].latest = refresh }
      } catch {
        failures.withLock { $0[i] = error }
      }
    }
    let failed = failures.withLock { $0 }
    let why = discoveries.indices.compactMap { i in failed[i].map { "\(discoveries[i].contextLabel): \($0)" } }
    if failed.count == discoveries.count { throw KubeError(why.joined(separator: "; ")) }
    return why
  }

  public func refresh(nowMs: Int64) -> TargetRefresh {
    for i in discoveries.indices {
      let due = members.withLock { m -> Bool in
        guard !m[i].listing else { return false }
        m[i].listing = true
        return true
      }
      guard due else { continue }
      let discovery = discoveries[i]
      Thread { [self] in
        let refresh = discovery.refresh(nowMs: WallClock.nowMs())
        members.withLock { m in
          // Restarts not yet handed to a poll are kept.
          let pending = m[i].latest?.replaced ?? []
          m[i].latest = refresh
          m[i].latest?.replaced = pending + refresh.replaced
          m[i].listing = false
        }
      }.start()
    }
    let latest = members.withLock { m -> [TargetRefresh?] in
      let out = m.map(\.latest)
      for i in m.indices { m[i].latest?.replaced = [] }
      return out
    }
    return Self.merge(contexts: contextNames, latest, base: discoveries.first?.scrapeOptions ?? HTTPOptions())
  }

  /// One refresh from each context's: targets and nodes named `CONTEXT/NODE`, each target
  /// with its context's HTTP options, the summaries and errors named by context.
  static func merge(contexts: [String], _ refreshes: [TargetRefresh?], base: HTTPOptions) -> TargetRefresh {
    var out = TargetRefresh(targets: [], http: base)
    var status = DiscoveryStatus(summary: "")
    var summaries: [String] = []
    var errors: [String] = []
    for (context, r) in zip(contexts, refreshes) {
      guard let r else {
        summaries.append("\(context): not listed yet")
        continue
      }
      out.targets += r.targets.map { ScrapeTarget(name: "\(context)/\($0.name)", url: $0.url, http: r.http) }
      out.replaced += r.replaced.map { ("\(context)/\($0.name)", $0.startMs) }
      guard let d = r.discovery else { continue }
      summaries.append("\(context): \(d.summary)")
      if let e = d.error { errors.append("\(context): \(e)") }
      for (node, locality) in d.nodes { status.nodes["\(context)/\(node)"] = locality }
      // The same service in several clusters: the first context's routing is shown.
      status.services.merge(d.services) { first, _ in first }
    }
    status.summary = summaries.joined(separator: "; ")
    status.error = errors.isEmpty ? nil : errors.joined(separator: "; ")
    out.discovery = status
    return out
  }
}
