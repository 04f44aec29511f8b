import ArgumentParser
import ZoneTopHTTP
import ZoneTopTraffic

/// `zonetop rules`: the recording rules that make `--prometheus` cheap on a large mesh.
struct RulesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rules",
    abstract: "Print Prometheus recording rules that precompute zonetop's per-hop series (YAML).",
    discussion: """
      Load the output as a rule file (Prometheus rule_files, a Thanos or Mimir ruler, vmalert -rule). \
      Each rule sums one ztunnel family by the labels zonetop groups by, so the server keeps a few series a \
      hop however many ztunnels report it. zonetop --prometheus and snapshot --prometheus use them when they \
      cover the window and say so; otherwise they query the raw series.
      """
  )

  @Option(help: "The rule group's evaluation interval (also each rule's factor; keep them equal).")
  var evaluationInterval = DurationOption(ms: 30_000)

  @Option(help: "The rate() range: at least the evaluation interval and two scrape intervals.")
  var rateRange = DurationOption(ms: 60_000)

  func validate() throws {
    let e = evaluationInterval.ms
    let r = rateRange.ms
    guard e % 1000 == 0, (1000...150_000).contains(e) else {
      throw ValidationError(
        "--evaluation-interval \(DurationText.format(ms: e)): expected whole seconds from 1s to 2m30s "
          + "(zonetop looks \(RecordingRules.lookback) back for the recorded series)")
    }
    guard r % 1000 == 0, (e...3_600_000).contains(r) else {
      throw ValidationError(
        "--rate-range \(DurationText.format(ms: r)): expected whole seconds from the evaluation interval "
          + "(\(DurationText.format(ms: e))) to 1h: a shorter range leaves traffic between evaluations uncounted")
    }
  }

  func run() throws {
    writeStdout(RecordingRules.yaml(evaluationMs: evaluationInterval.ms, rateRangeMs: rateRange.ms))
  }
}
