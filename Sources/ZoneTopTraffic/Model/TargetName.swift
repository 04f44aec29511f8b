/// How targets are named on screen and in file names.
public enum TargetName {
  /// A target as people name it: `10.0.0.1` rather than `http://10.0.0.1:15020/metrics`.
  public static func short(_ t: String) -> String {
    var s = Substring(t)
    for scheme in ["http://", "https://"] where s.hasPrefix(scheme) { s = s.dropFirst(scheme.count) }
    for suffix in ["/metrics", "/stats/prometheus"] where s.hasSuffix(suffix) { s = s.dropLast(suffix.count) }
    if s.hasSuffix(":15020") { s = s.dropLast(6) }
    return String(s)
  }
}
