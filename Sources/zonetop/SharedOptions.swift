import ArgumentParser
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

extension ReporterPolicy: ExpressibleByArgument {}
extension GroupBy: ExpressibleByArgument {}

/// Options every view and export shares.
struct SharedOptions: ParsableArguments {
  @Option(help: "Pricing profile: aws, gcp, azure, or a YAML file overriding one (see the README).")
  var pricing = "aws"

  @Option(help: "Which reporter's series to count: auto, source or destination.")
  var reporter: ReporterPolicy = .auto

  @Option(help: "Only traffic from or to this namespace.")
  var namespace: String?

  @Option(help: "Only traffic from or to this cluster (source_cluster or destination_cluster).")
  var cluster: String?

  @Option(help: "Only traffic whose workloads, namespaces, service, clusters, zones or regions contain this text.")
  var filter: String?

  @Flag(help: "Price traffic to destinations outside the mesh as internet egress.")
  var egressAsInternet = false

  func reportOptions() throws -> ReportOptions {
    let profile: PricingProfile
    do { profile = try PricingLoader.load(pricing) } catch { throw ValidationError(error.description) }
    return ReportOptions(
      policy: reporter, filter: FlowFilter(namespace: namespace, cluster: cluster, text: filter), pricing: profile,
      egressAsInternet: egressAsInternet)
  }
}

/// Parses a duration option (`30s`, `5m`, `1h`).
struct DurationOption: ExpressibleByArgument {
  let ms: Int64
  init?(argument: String) {
    guard let ms = DurationText.parseMs(argument), ms > 0 else { return nil }
    self.ms = ms
  }
  var defaultValueDescription: String { DurationText.format(ms: ms) }
  init(ms: Int64) { self.ms = ms }
}

/// Refuses a window shorter than one scrape interval: it could hold no increase.
func checkWindow(_ windowMs: Int64, interval intervalMs: Int64, of whose: String) throws {
  guard windowMs < intervalMs else { return }
  throw ValidationError(
    "--window \(DurationText.format(ms: windowMs)) is shorter than \(whose) scrape interval "
      + "(\(DurationText.format(ms: intervalMs))): a window holds whole intervals")
}
