import FuzzSupport
import ZoneTopTraffic

/// The command-line value parsers (durations, sizes, speeds): any text gives a value in
/// range or nil, and what the program prints for a value parses back to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  if let ms = DurationText.parseMs(text) {
    precondition(ms >= 0 && ms <= DurationText.maxMs)
    let printed = DurationText.format(ms: ms)
    if ms < 1000 || ms % 1000 == 0 { precondition(DurationText.parseMs(printed) == ms) }
    _ = RFC3339.format(ms: ms)
  }
  if let bytes = SizeText.parseBytes(text) {
    precondition(bytes >= 0)
    precondition(SizeText.parseBytes("\(bytes)B") == bytes && SizeText.parseBytes("\(bytes)") == bytes)
  }
  if let speed = SpeedText.parse(text) {
    precondition(speed.isFinite && SpeedText.range.contains(speed))
  }
  return 0
}

@_cdecl("fuzz_values_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
