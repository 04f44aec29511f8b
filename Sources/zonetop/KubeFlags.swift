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

  @Option(
    help: ArgumentHelp(
      "With --kube: a kubeconfig context (default: its current-context); repeat it or separate names with "
        + "commas to watch several clusters together, their targets named CONTEXT/NODE.",
      valueName: "context"))
  var context: [String] = []

  @Flag(help: "With --kube: watch every context of the kubeconfig together.")
  var allContexts = false

  @Option(help: "With --kube: the namespace of the ztunnel pods.")
  var kubeNamespace = "istio-system"

  @Option(help: "With --kube: the label selector of the ztunnel pods.")
  var kubeSelector = "app=ztunnel"

  @Flag(help: "With --kube: scrape pod IPs directly (zonetop runs inside the cluster) instead of the pod proxy.")
  var kubeDirect = false

  @Option(help: "With --kube: how often the pods are listed again.")
  var kubeRelist = DurationOption(ms: 30_000)

  /// The contexts named by `--context`, in order, each once.
  var contextNames: [String] {
    var seen = Set<String>()
    return context.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
      .filter { !$0.isEmpty && seen.insert($0).inserted }
  }

  func validate() throws {
    if !kube && (kubeconfig != nil || !context.isEmpty || allContexts || kubeDirect) {
      throw ValidationError("--kubeconfig, --context, --all-contexts and --kube-direct go with --kube")
    }
    if allContexts && !context.isEmpty { throw ValidationError("give --context or --all-contexts, not both") }
    if !context.isEmpty && contextNames.isEmpty { throw ValidationError("--context needs a context name") }
  }

  /// One context's discovery, its kubeconfig read.
  private func discovery(context name: String?, scrape: HTTPOptions) throws(KubeConfigError) -> KubeDiscovery {
    let context = try KubeConfigLoader.load(
      explicit: kubeconfig, context: name, environment: ProcessInfo.processInfo.environment)
    var options = KubeDiscovery.Options()
    options.namespace = kubeNamespace
    options.selector = kubeSelector
    options.direct = kubeDirect
    options.relistMs = max(1000, kubeRelist.ms)
    var apiOptions = HTTPOptions()
    apiOptions.timeoutMs = 15_000
    return KubeDiscovery(
      api: KubeAPI(auth: KubeAuth(context: context), base: apiOptions), options: options, scrape: scrape)
  }

  /// Reads the kubeconfig and lists the ztunnels of every context once.
  ///
  /// One context's discovery, or a `ContextSet` for several. Exits with the reason when the
  /// kubeconfig is wrong or no context could be listed; warns of the contexts that could not.
  func provider(scrape: HTTPOptions) throws -> (provider: TargetProvider, label: String) {
    var names: [String?] = contextNames
    do {
      if allContexts {
        names = try KubeConfigLoader.contextNames(
          explicit: kubeconfig, environment: ProcessInfo.processInfo.environment)
      }
      if names.isEmpty { names = [nil] }
      let discoveries = try names.map { name throws(KubeConfigError) in try discovery(context: name, scrape: scrape) }
      if discoveries.count == 1, let only = discoveries.first {
        do { _ = try only.start() } catch { throw KubeError("\(only.contextLabel): \(error)") }
        return (only, "kube \(only.api.auth.context.name)")
      }
      let set = ContextSet(discoveries)
      for problem in try set.start() { printError("zonetop: warning: \(problem)") }
      return (set, "kube \(set.contextNames.joined(separator: ","))")
    } catch {
      printError("zonetop: \(error)")
      throw ExitCode(1)
    }
  }
}

extension HTTPFlags {
  /// The live source over `targets`, or over the ztunnels `kube` discovers.
  ///
  /// `keepsHistory` false: nothing keeps the rounds (`record`), so flows are forgotten as
  /// soon as no series refers to them.
  func liveSource(targets: [String], kube: KubeFlags, recordTo writer: RecordingWriter?, keepsHistory: Bool = true)
    throws -> LiveSource
  {
    var engineOptions = engineOptions
    if !keepsHistory { engineOptions.keepFlowsForRounds = 0 }
    if let problem = libcurlProblem() {
      printError("zonetop: \(problem)")
      throw ExitCode(1)
    }
    if kube.kube {
      let (provider, label) = try kube.provider(scrape: try httpOptions())
      return LiveSource(
        provider: provider, intervalMs: interval.ms, label: label, recordTo: writer, engine: engineOptions)
    }
    return LiveSource(
      urls: targets, intervalMs: interval.ms, http: try httpOptions(), recordTo: writer, engine: engineOptions)
  }
}
