import FuzzSupport
import ZoneTopFiles
import ZoneTopTraffic

/// The recording frame header: the input as a header line after `@frame v1 ` (and the
/// bytes after it as the body) must give frames inside the input, and a frame built
/// from the input must come back from its encoding unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = UnsafeBufferPointer(start: data, count: size)
  var bytes = RecordingFormat.magic + Array("@frame v1 ".utf8)
  bytes += input
  for verify in [true, false] {
    bytes.withUnsafeBytes { buf in
      let reader = RecordingReader(buf, path: "fuzz", verifyChecksums: verify)
      for f in reader.frames {
        precondition(f.bodyOffset >= 0 && f.bodyLength >= 0 && f.bodyOffset + f.bodyLength < buf.count)
        precondition(PlausibleTime.contains(ms: f.timeMs))
      }
      precondition(reader.validEnd <= buf.count)
      for p in reader.problems { precondition(!p.unicodeScalars.contains { $0.value < 0x20 }) }
    }
  }
  roundTrip(input)
  return 0
}

/// Builds a frame from the input (time, status, and text fields split at 0xFF bytes),
/// encodes it and reads it back.
func roundTrip(_ input: UnsafeBufferPointer<UInt8>) {
  guard input.count >= 10 else { return }
  var offset: Int64 = 0
  for i in 0..<8 { offset = offset << 8 | Int64(input[i]) }
  let time = PlausibleTime.range.lowerBound + Int64(UInt64(bitPattern: offset) % 1_000_000_000_000)
  let status = Int(input[8]) * 4
  let parts = input[10...].split(separator: 0xFF, maxSplits: 3, omittingEmptySubsequences: false)
  func text(_ i: Int) -> String? { i < parts.count ? String(decoding: parts[i], as: UTF8.self) : nil }
  let frame = Frame(
    target: text(0) ?? "", timeMs: time, status: status, contentType: input[9] & 1 == 0 ? nil : text(1),
    error: input[9] & 2 == 0 ? nil : text(2), body: parts.count > 3 ? Array(parts[3]) : [])
  let encoded = RecordingFormat.magic + RecordingFormat.encode(frame)
  encoded.withUnsafeBytes { buf in
    let reader = RecordingReader(buf, path: "fuzz")
    precondition(reader.problems.isEmpty && reader.frames.count == 1 && reader.validEnd == buf.count)
    let f = reader.frames[0]
    func cut(_ s: String?, _ n: Int) -> String? { s.map { RecordingFormat.prefix($0, maxBytes: n) } }
    precondition(f.timeMs == frame.timeMs && f.status == frame.status)
    precondition(f.target == cut(frame.target, RecordingFormat.maxTargetBytes))
    precondition(f.contentType == cut(frame.contentType, RecordingFormat.maxContentTypeBytes))
    precondition(f.error == cut(frame.error, RecordingFormat.maxErrorBytes))
    precondition(Array(UnsafeRawBufferPointer(rebasing: buf[f.bodyOffset..<f.bodyOffset + f.bodyLength])) == frame.body)
  }
}

@_cdecl("fuzz_frame_header_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
