import Yams
import ZoneTopExposition
import ZoneTopTraffic

/// Loads a pricing profile: a built-in name (`aws`, `gcp`, `azure`) or a YAML
/// file that overrides any field of a built-in profile (README: Pricing).
public enum PricingLoader {
  public struct Error: Swift.Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  public static func load(_ nameOrPath: String) throws(Error) -> PricingProfile {
    if let p = PricingProfile.builtIn.first(where: { $0.name == nameOrPath.lowercased() }) { return p }
    let bytes: [UInt8]
    do { bytes = try Files.read(nameOrPath) } catch {
      throw Error(
        description:
          "pricing \"\(Sanitize.short(nameOrPath))\": not aws, gcp or azure, and not a readable file (\(error.message))"
      )
    }
    return try parse(String(decoding: bytes, as: UTF8.self), path: nameOrPath)
  }

  /// Parses pricing YAML; errors name the file, line and field.
  public static func parse(_ yaml: String, path: String) throws(Error) -> PricingProfile {
    let root: Node?
    do { root = try Yams.compose(yaml: yaml) } catch {
      throw Error(description: "\(path): invalid YAML: \(error)")
    }
    guard let root, case .mapping(let map) = root else {
      throw Error(description: "\(path):1: expected a mapping of pricing fields (see the README's Pricing section)")
    }
    func fail(_ node: Node, _ message: String) -> Error {
      Error(description: "\(path):\((node.mark?.line ?? 0)): \(message)")
    }
    func number(_ node: Node, _ field: String) throws(Error) -> Double {
      guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite, v >= 0 else {
        throw fail(node, "\(field): expected a number >= 0")
      }
      return v
    }
    func text(_ node: Node, _ field: String) throws(Error) -> String {
      guard case .scalar(let s) = node else { throw fail(node, "\(field): expected text") }
      return s.string
    }
    func billed(_ node: Node, _ field: String) throws(Error) -> BilledSide {
      let t = try text(node, field)
      guard let b = BilledSide(rawValue: t) else {
        throw fail(node, "\(field): expected sender, receiver or both, not \"\(Sanitize.short(t))\"")
      }
      return b
    }
    var profile = PricingProfile.aws
    if let base = map["base"] {
      let name = try text(base, "base")
      guard let p = PricingProfile.builtIn.first(where: { $0.name == name }) else {
        throw fail(base, "base: expected aws, gcp or azure, not \"\(Sanitize.short(name))\"")
      }
      profile = p
    }
    let baseSource = profile.source
    profile.name = path.split(separator: "/").last.map(String.init) ?? path
    profile.source = "\(path), over \(baseSource)"
    let known: Set<String> = [
      "base", "name", "source", "cross_zone", "cross_region", "internet_egress", "gb_bytes", "overhead", "region_pairs",
    ]
    for (k, v) in map {
      guard case .scalar(let key) = k else { throw fail(k, "expected a field name") }
      switch key.string {
      case "base": break
      case "name": profile.name = try text(v, "name")
      case "source": profile.source = try text(v, "source")
      case "gb_bytes":
        let g = try number(v, "gb_bytes")
        guard g == 1e9 || g == 1_073_741_824 else { throw fail(v, "gb_bytes: expected 1000000000 or 1073741824") }
        profile.bytesPerGB = g
      case "overhead":
        let o = try number(v, "overhead")
        guard o >= 1, o <= 2 else {
          throw fail(v, "overhead: expected a factor from 1.0 to 2.0 (wire bytes per payload byte)")
        }
        profile.overhead = o
      case "cross_zone", "cross_region", "internet_egress":
        guard case .mapping(let m) = v else { throw fail(v, "\(key.string): expected usd_per_gb and billed") }
        for (fk, fv) in m {
          guard case .scalar(let f) = fk else { throw fail(fk, "expected a field name") }
          let field = "\(key.string).\(f.string)"
          switch (key.string, f.string) {
          case ("cross_zone", "usd_per_gb"): profile.crossZonePerGB = try number(fv, field)
          case ("cross_zone", "billed"): profile.crossZoneBilled = try billed(fv, field)
          case ("cross_region", "usd_per_gb"): profile.crossRegionPerGB = try number(fv, field)
          case ("cross_region", "billed"): profile.crossRegionBilled = try billed(fv, field)
          case ("internet_egress", "usd_per_gb"): profile.internetEgressPerGB = try number(fv, field)
          default:
            throw fail(
              fk, "\(field): unknown field (expected usd_per_gb\(key.string == "internet_egress" ? "" : " or billed"))")
          }
        }
      case "region_pairs":
        guard case .sequence(let seq) = v else {
          throw fail(v, "region_pairs: expected a list of {from, to, usd_per_gb}")
        }
        for item in seq {
          guard case .mapping(let m) = item, let from = m["from"], let to = m["to"], let price = m["usd_per_gb"] else {
            throw fail(item, "region_pairs: each entry needs from, to and usd_per_gb")
          }
          let pair = RegionPair(from: try text(from, "region_pairs.from"), to: try text(to, "region_pairs.to"))
          profile.regionPairs[pair] = try number(price, "region_pairs.usd_per_gb")
        }
      default:
        throw fail(
          k,
          "unknown field \"\(Sanitize.short(key.string))\" (expected one of \(known.sorted().joined(separator: ", ")))")
      }
    }
    return profile
  }
}
