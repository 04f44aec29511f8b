import ArgumentParser
import Foundation
import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// `--kube`: find the ztunnels through a kubeconfig context.
struct KubeFlags: ParsableArguments {
  @Flag(help: "Find every ztunnel through the kubeconfig's context and scrape it through the API server's pod proxy.")
  var kube = false

  @Option(help: "With --kube: the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).")
  var kubeconfig: String?

  @Option(help: "With --kube: the kubeconfig context (default: its current-context).")
  var context: String?

  @Option(help: "With --kube: the namespace of the ztunnel pods.")
  var kubeNamespace = "istio-system"

  @Option(help: "With --kube: the label selector of the ztunnel pods.")
  var kubeSelector = "app=ztunnel"

  @Flag(help: "With --kube: scrape pod IPs directly (zonetop runs inside the cluster) instead of the pod proxy.")
  var kubeDirect = false

  @Option(help: "With --kube: how often the pods are listed again.")
  var kubeRelist = DurationOption(ms: 30_000)

  func validate() throws {
    if !kube && (kubeconfig != nil || context != nil || kubeDirect) {
      throw ValidationError("--kubeconfig, --context and --kube-direct go with --kube")
    }
  }

  /// Reads the kubeconfig and lists the ztunnels once; exits with the reason when that fails.
  func discovery(scrape: HTTPOptions) throws -> KubeDiscovery {
    let context: KubeContext
    do {
      context = try KubeConfigLoader.load(
        explicit: kubeconfig, context: self.context, environment: ProcessInfo.processInfo.environment)
    } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    var options = KubeDiscovery.Options()
    options.namespace = kubeNamespace
    options.selector = kubeSelector
    options.direct = kubeDirect
    options.relistMs = max(1000, kubeRelist.ms)
    var apiOptions = HTTPOptions()
    apiOptions.timeoutMs = 15_000
    let discovery = KubeDiscovery(
      api: KubeAPI(auth: KubeAuth(context: context), base: apiOptions), options: options, scrape: scrape)
    do { _ = try discovery.start() } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
    return discovery
  }
}

extension HTTPFlags {
  /// The live source over `targets`, or over the ztunnels `kube` discovers.
  func liveSource(targets: [String], kube: KubeFlags, recordTo writer: RecordingWriter?) throws -> LiveSource {
    if let problem = libcurlProblem() {
      printError("zonetop: \(problem)")
      throw ExitCode(1)
    }
    if kube.kube {
      let discovery = try kube.discovery(scrape: try httpOptions())
      return LiveSource(
        provider: discovery, intervalMs: interval.ms, label: "kube \(discovery.api.auth.context.name)",
        recordTo: writer, engine: engineOptions)
    }
    return LiveSource(
      urls: targets, intervalMs: interval.ms, http: try httpOptions(), recordTo: writer, engine: engineOptions)
  }
}
