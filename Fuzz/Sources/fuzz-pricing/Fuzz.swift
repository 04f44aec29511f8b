import FuzzSupport
import ZoneTopFiles
import ZoneTopTraffic

/// The pricing YAML loader: any input gives a profile or an error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  if let p = try? PricingLoader.parse(text, path: "fuzz.yaml") {
    precondition(p.overhead >= 1 && p.bytesPerGB > 0)
    _ = p.cost(
      bytes: 1 << 30, from: Locality(region: "a", zone: "a1"), to: Locality(region: "b", zone: "b1"),
      scope: .crossRegion)
  }
  return 0
}

@_cdecl("fuzz_pricing_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
