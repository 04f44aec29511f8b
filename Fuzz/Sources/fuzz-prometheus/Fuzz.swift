import FuzzSupport
import ZoneTopHTTP
import ZoneTopTraffic

/// The Prometheus API answer decoder, as a vector and as a matrix: any body gives
/// points at plausible times or an error a terminal can show, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let body = Array(UnsafeBufferPointer(start: data, count: size))
  for matrix in [false, true] {
    switch PrometheusClient.decodeAnswer(body, httpStatus: 200, matrix: matrix) {
    case .success(let answer):
      precondition(answer.skipped >= 0 && (answer.skipped == 0) == (answer.firstSkipped == nil))
      for times in answer.pointTimes {
        for t in times { precondition(PlausibleTime.contains(ms: t)) }
      }
      if let s = answer.firstSkipped {
        precondition(!s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
      }
    case .failure(let error):
      precondition(!error.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }
  }
  return 0
}

@_cdecl("fuzz_prometheus_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
