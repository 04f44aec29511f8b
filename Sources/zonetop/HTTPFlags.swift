import ArgumentParser
import Foundation
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// Options for fetching ztunnel metrics over HTTP(S).
struct HTTPFlags: ParsableArguments {
  @Option(help: "A file with one metrics URL a line (# comments allowed).")
  var targetsFile: String?

  @Option(help: "Time between polls.")
  var interval = DurationOption(ms: 5000)

  @Option(help: "Per-target timeout (default: 80% of the interval, at most 10s).")
  var timeout: DurationOption?

  @Option(help: "Largest response body accepted, after decompression (e.g. 64MiB).")
  var maxBodySize = "64MiB"

  @Option(help: "CA certificate bundle (PEM) to verify HTTPS targets.")
  var cacert: String?

  @Flag(help: "Do not verify TLS certificates.")
  var insecure = false

  @Option(help: "Read a bearer token from this file (it never appears in argv, logs or on screen).")
  var bearerTokenFile: String?

  @Option(name: .customLong("header"), help: "An extra request header, 'Name: value' (repeatable).")
  var headers: [String] = []

  @Option(help: "Live series kept per target; more are ignored and counted in Health (bounds memory).")
  var maxSeriesPerTarget = 200_000

  var engineOptions: EngineOptions {
    var o = EngineOptions()
    o.maxSeriesPerTarget = max(1, maxSeriesPerTarget)
    return o
  }

  func validate() throws {
    // A cap below any real ztunnel body would put every target down with "body larger than 0 B".
    if let cap = Self.parseSize(maxBodySize), cap < Self.minBodySize {
      throw ValidationError("--max-body-size \(Sanitize.short(maxBodySize)): at least 1KiB")
    }
    guard maxSeriesPerTarget >= 1 else {
      throw ValidationError("--max-series-per-target \(maxSeriesPerTarget): at least 1")
    }
  }

  func httpOptions() throws -> HTTPOptions {
    var o = HTTPOptions()
    // libcurl reads a timeout of 0 as "none": an interval that small would poll without one.
    guard interval.ms >= 100 else {
      throw ValidationError("--interval \(DurationText.format(ms: interval.ms)): at least 100ms")
    }
    o.timeoutMs = max(1, Int(timeout?.ms ?? min(10_000, interval.ms * 8 / 10)))
    guard let cap = Self.parseSize(maxBodySize) else {
      throw ValidationError("--max-body-size: expected a size like 64MiB, 512KiB or 1000000")
    }

    o.maxBodyBytes = cap
    o.caCertPath = cacert
    o.insecure = insecure
    for h in headers where !h.contains(":") || h.contains("\n") || h.contains("\r") {
      throw ValidationError("--header \"\(Sanitize.short(h))\": expected 'Name: value'")
    }
    o.headers = headers
    if let path = bearerTokenFile {
      let bytes: [UInt8]
      do { bytes = try Files.read(path) } catch { throw ValidationError("--bearer-token-file: \(error)") }
      let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \n\r\t")
      guard !token.isEmpty, !token.contains("\n") else {
        throw ValidationError("--bearer-token-file \(path): expected one token")
      }
      o.bearerToken = token
    }
    return o
  }

  /// URLs from the arguments and the targets file, without duplicates.
  func targets(_ urls: [String]) throws -> [String] {
    var all = urls
    if let file = targetsFile {
      let bytes: [UInt8]
      do { bytes = try Files.read(file) } catch { throw ValidationError("--targets-file: \(error)") }
      all += TargetsFile.urls(bytes)
    }
    var seen = Set<String>()
    let unique = all.filter { seen.insert($0).inserted }
    for u in unique where !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
      throw ValidationError("\(Sanitize.short(u)): expected an http:// or https:// URL")
    }
    for u in unique where Self.host(of: u).isEmpty {
      throw ValidationError("\(Sanitize.short(u)): the URL has no host (expected http://HOST:15020/metrics)")
    }
    return unique
  }

  /// The host of an http(s) URL: what comes after `//` and any `user@`, up to a port, path, query or fragment.
  static func host(of url: String) -> Substring {
    guard let slashes = url.range(of: "//") else { return "" }
    var rest = url[slashes.upperBound...]
    rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    if rest.hasPrefix("[") { return rest.prefix { $0 != "]" }.dropFirst() }
    return rest.prefix { $0 != ":" }
  }

  /// The smallest `--max-body-size` accepted.
  static let minBodySize = 1024

  static func parseSize(_ s: String) -> Int? { SizeText.parseBytes(s) }
}

extension String {
  func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
