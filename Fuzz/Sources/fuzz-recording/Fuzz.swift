import FuzzSupport
import ZoneTopFiles

/// The recording reader: every whole frame it returns must lie inside the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes = RecordingFormat.magic
  bytes += UnsafeBufferPointer(start: data, count: size)
  for input in [bytes, Array(UnsafeBufferPointer(start: data, count: size))] {
    input.withUnsafeBytes { buf in
      let reader = RecordingReader(buf, path: "fuzz")
      for f in reader.frames {
        precondition(f.bodyOffset >= 0 && f.bodyOffset + f.bodyLength <= buf.count)
      }
      precondition(reader.validEnd <= buf.count)
    }
  }
  return 0
}

@_cdecl("fuzz_recording_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
