import ZoneTopTraffic

/// The Prometheus recording rules that `zonetop rules` prints.
///
/// Per family, the ztunnels' series are summed by the labels zonetop groups by, as the
/// increase of one evaluation interval. A query over them touches a few series a hop however many ztunnels report it.
///
/// Each rule records `sum by (FlowKey.labelNames) (rate(FAMILY[R])) * E` (E the group's
/// evaluation interval, R the rate range, at least E) under one name with a `family`
/// label, so one `sum_over_time(...[W])` answers every family's increase over W: each
/// evaluation holds the traffic of one interval, whatever W is and however long a hop lived.
public enum RecordingRules {
  /// The name of the recorded series.
  public static let recordName = "zonetop_hop:istio_tcp:increase_per_evaluation"
  /// A series the group records whatever the traffic (its value: the evaluation interval
  /// in seconds), so zonetop can tell that the rules ran over a whole window, hops or not.
  public static let heartbeatName = "zonetop_hop:rules_evaluation_interval_seconds"
  /// The label that says which ztunnel family a recorded (or combined) series sums.
  public static let familyLabel = "family"
  /// How far back the check for the rules' heartbeat looks at each end of the window: the
  /// evaluation interval must be shorter.
  public static let lookback = "5m"
  /// The group's name in the YAML.
  public static let groupName = "zonetop-hops"

  /// The YAML (`groups:`) for Prometheus `rule_files`, Thanos and Mimir rulers and vmalert.
  ///
  /// `evaluationMs` is the group's `interval` and the factor of each rule; `rateRangeMs`
  /// must be at least the evaluation interval and two scrape intervals.
  public static func yaml(evaluationMs: Int64, rateRangeMs: Int64) -> String {
    let e = evaluationMs / 1000
    let r = rateRangeMs / 1000
    let by = FlowKey.labelNames.joined(separator: ", ")
    var out = """
      # zonetop recording rules (zonetop rules --evaluation-interval \(e)s --rate-range \(r)s).
      # Each series holds one hop's increase of one evaluation interval; zonetop --prometheus
      # finds them and sums them with sum_over_time. Keep the group's interval and the factor
      # of each rule equal: regenerate the file to change either.
      groups:
        - name: \(groupName)
          interval: \(e)s
          rules:
            - record: \(heartbeatName)
              expr: vector(\(e))

      """
    for (family, _) in PrometheusClient.families {
      out += """
              - record: \(recordName)
                expr: sum by (\(by)) (rate(\(family)[\(r)s])) * \(e)
                labels:
                  \(familyLabel): \(family)

        """
    }
    return out
  }
}
