import CCurl
import ZoneTopTraffic

/// A libcurl call that failed, in words a user can act on.
public struct CurlError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// libcurl's process-wide setup and its error words.
enum Curl {
  /// The oldest libcurl with every option zonetop sets (CURLOPT_PROTOCOLS_STR came in 7.85.0).
  static let minimumVersion = (major: 7, minor: 85, patch: 0)

  /// nil once libcurl is initialised; else why no transfer can run.
  static let unavailable: String? = {
    let v = Int(zt_curl_version_num())
    let (major, minor, patch) = (v >> 16, (v >> 8) & 0xFF, v & 0xFF)
    let m = minimumVersion
    if (major, minor, patch) < (m.major, m.minor, m.patch) {
      return "libcurl \(major).\(minor).\(patch) is too old: zonetop needs \(m.major).\(m.minor).\(m.patch) or later"
        + " (for CURLOPT_PROTOCOLS_STR, which keeps transfers to http and https)"
    }
    let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    return code == CURLE_OK ? nil : describe(code, "initialising libcurl")
  }()

  static func describe(_ code: CURLcode, _ doing: String) -> String {
    "libcurl failed \(doing): \(String(cString: curl_easy_strerror(code)))"
  }

  static func describe(_ code: CURLMcode, _ doing: String) -> String {
    "libcurl failed \(doing): \(String(cString: curl_multi_strerror(code)))"
  }
}

/// Checks at start that the libcurl in use is recent enough; returns why not, or nil.
public func libcurlProblem() -> String? { Curl.unavailable }
