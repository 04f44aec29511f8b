import CCurl
import Glibc
import Synchronization
import ZoneTopExposition
import ZoneTopTraffic

/// How targets are fetched.
public struct HTTPOptions: Sendable {
  public var timeoutMs: Int = 4000
  /// Largest body accepted (after decompression), so a gzip bomb stops here.
  public var maxBodyBytes: Int = 64 << 20
  public var insecure = false
  public var caCertPath: String?
  /// A CA bundle given as PEM bytes (kubeconfig `certificate-authority-data`).
  public var caCertPEM: [UInt8]?
  /// A client certificate and key as PEM bytes (kubeconfig or an exec credential plugin).
  public var clientCertPEM: [UInt8]?
  public var clientKeyPEM: [UInt8]?
  /// The bearer token itself (read from --bearer-token-file; never from argv).
  public var bearerToken: String?
  /// Extra `Name: value` headers.
  public var headers: [String] = []
  public var accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
  public var maxRedirects = 5
  /// Transfers in flight at once (bounds the memory of bodies being received).
  public var maxConcurrent = 48

  public init() {}
}

/// What to fetch: a URL, and the name it goes by in Health and recordings
/// (the URL itself, or a Kubernetes node name).
public struct ScrapeTarget: Sendable, Hashable {
  public var name: String
  public var url: String
  /// How to reach this target when it differs from the poll's (another cluster's API
  /// server and credentials); not part of its identity.
  public var http: HTTPOptions?

  public init(name: String, url: String, http: HTTPOptions? = nil) {
    self.name = name
    self.url = url
    self.http = http
  }
  public init(url: String) { self.init(name: url, url: url) }

  public static func == (a: ScrapeTarget, b: ScrapeTarget) -> Bool { a.name == b.name && a.url == b.url }
  public func hash(into h: inout Hasher) {
    h.combine(name)
    h.combine(url)
  }
}

/// One fetch: what came back, or why nothing did, in words a user can act on.
public struct ScrapeResult: Sendable {
  public var target: String
  public var startMs: Int64
  public var latency: Double
  public var status: Int
  public var contentType: String?
  public var body: [UInt8]
  public var error: String?
  /// What the fetch moved over the network: the request, the response's headers and its
  /// body as transferred (compressed when the target compressed it).
  public var wireBytes = 0
  public var isSuccess: Bool { error == nil && status >= 200 && status < 300 }
}

/// Fetches many URLs at once with one libcurl multi handle: a slow or dead target
/// never delays the others, and each has its own timeout.
public final class Poller: @unchecked Sendable {
  public let options: HTTPOptions
  /// Where received bodies land.
  public let buffers: BufferPool

  /// `buffers`: a pool kept between polls (bodies then land in memory already in use, and a
  /// transfer starts only when the pool has a buffer for it); by default one of this poller's own.
  public init(options: HTTPOptions, buffers: BufferPool = BufferPool()) {
    self.options = options
    self.buffers = buffers
  }

  /// Per-transfer state, reached from libcurl's callbacks through CURLOPT_PRIVATE/WRITEDATA.
  final class Transfer {
    let target: ScrapeTarget
    /// The body so far, in a buffer from the pool (its capacity kept from earlier polls).
    var body: [UInt8]
    /// Whether `body` is still the transfer's to give back (not handed over in a result).
    var holdsBuffer = true
    var received = 0
    var tooLarge = false
    let cap: Int
    var easy: UnsafeMutableRawPointer?
    var headers: UnsafeMutablePointer<curl_slist>?
    /// Where libcurl writes the words of a failure (it keeps the pointer until the handle is freed).
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(target: ScrapeTarget, cap: Int, buffer: [UInt8]) {
      self.target = target
      self.cap = cap
      body = buffer
      errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit { errorBuffer.deallocate() }

    /// Gives the buffer back to the pool, once, unless a result took it.
    func giveBack(to pool: BufferPool) {
      guard holdsBuffer else { return }
      holdsBuffer = false
      pool.give(body)
      body = []
    }

    /// Appends received bytes; false when the body would pass the cap.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
      guard received + bytes.count <= cap else {
        tooLarge = true
        return false
      }
      received += bytes.count
      body.append(contentsOf: bytes)
      return true
    }
  }

  /// Fetches every URL concurrently; returns one result per URL, in order.
  public func fetch(_ urls: [String]) -> [ScrapeResult] {
    fetch(urls.map(ScrapeTarget.init(url:)))
  }

  /// Fetches every target concurrently; returns one result per target, in order.
  public func fetch(_ targets: [ScrapeTarget]) -> [ScrapeResult] {
    var results = targets.map {
      ScrapeResult(target: $0.name, startMs: WallClock.nowMs(), latency: 0, status: 0, body: [], error: "not fetched")
    }
    fetch(targets) { i, r in results[i] = r }
    return results
  }

  /// Fetches the targets, at most `options.maxConcurrent` at once, and hands each result
  /// over as soon as it is complete (with its index), so its body can be parsed and dropped
  /// at once.
  ///
  /// A transfer starts (and its timeout starts counting) only when a slot is free, so
  /// targets that accept a connection and never answer delay the others by at most their
  /// timeout, never past `deadline` (monotonic seconds): then every transfer still running
  /// or waiting ends with an error saying so. When `cancelled` turns true (checked every
  /// 100 ms), the transfers still running are dropped without a result.
  public func fetch(
    _ targets: [ScrapeTarget], deadline: Double? = nil, cancelled: () -> Bool = { false },
    onResult: (Int, ScrapeResult) -> Void
  ) {
    guard !targets.isEmpty else { return }
    func failAll(_ why: String) {
      for (i, t) in targets.enumerated() {
        onResult(
          i, ScrapeResult(target: t.name, startMs: WallClock.nowMs(), latency: 0, status: 0, body: [], error: why))
      }
    }
    if let why = Curl.unavailable { return failAll(why) }
    guard let multi = curl_multi_init() else { return failAll("cannot create a libcurl multi handle (out of memory?)") }
    // A buffer given back while libcurl waits lets a waiting transfer start at once.
    nonisolated(unsafe) let wakeable = multi
    buffers.onGiveBack { curl_multi_wakeup(wakeable) }
    defer {
      buffers.onGiveBack(nil)
      curl_multi_cleanup(multi)
    }
    let startMs = WallClock.nowMs()
    let t0 = WallClock.monotonic()
    var running: [UnsafeMutableRawPointer: (index: Int, transfer: Transfer, started: Double)] = [:]
    var next = 0
    /// Starts waiting transfers while slots and buffers are free.
    func startMore() {
      while running.count < max(1, options.maxConcurrent) && next < targets.count, let buffer = buffers.take() {
        let i = next
        next += 1
        let t = Transfer(target: targets[i], cap: options.maxBodyBytes, buffer: buffer)
        var problem: String?
        do { try configure(t) } catch { problem = "\(error)" }
        if problem == nil, let easy = t.easy {
          let added = curl_multi_add_handle(multi, easy)
          if added == CURLM_OK {
            running[easy] = (i, t, WallClock.monotonic())
            continue
          }
          problem = Curl.describe(added, "adding a transfer")
        }
        if let easy = t.easy { curl_easy_cleanup(easy) }
        curl_slist_free_all(t.headers)
        t.giveBack(to: buffers)
        onResult(
          i, ScrapeResult(target: t.target.name, startMs: startMs, latency: 0, status: 0, body: [], error: problem))
      }
    }
    /// Ends every transfer still running or waiting with `error`.
    func endAll(_ error: (_ started: Bool) -> String) {
      for (i, t, _) in running.values {
        release(t, from: multi)
        onResult(
          i,
          ScrapeResult(
            target: t.target.name, startMs: startMs, latency: WallClock.monotonic() - t0, status: 0, body: [],
            error: error(true)))
      }
      running.removeAll()
      while next < targets.count {
        onResult(
          next,
          ScrapeResult(
            target: targets[next].name, startMs: startMs, latency: 0, status: 0, body: [], error: error(false)))
        next += 1
      }
    }
    startMore()
    var stillRunning: Int32 = 0
    while !running.isEmpty || next < targets.count {
      if cancelled() {
        for (_, t, _) in running.values { release(t, from: multi) }
        return
      }
      if let deadline, WallClock.monotonic() >= deadline {
        let busy = running.count
        let seconds = NumberText.fixed(WallClock.monotonic() - t0, 1)
        return endAll { started in
          started
            ? "no answer by the end of the round (\(seconds) s)"
            : "not fetched: the round ended while \(busy) other transfers held every connection slot"
        }
      }
      let performed = curl_multi_perform(multi, &stillRunning)
      var queued: Int32 = 0
      while let msg = curl_multi_info_read(multi, &queued) {
        guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle,
          let (i, t, started) = running.removeValue(forKey: easy)
        else { continue }
        let r = result(t, code: msg.pointee.data.result, startMs: startMs, latency: WallClock.monotonic() - started)
        release(t, from: multi)
        onResult(i, r)
      }
      startMore()
      var failure = performed == CURLM_OK ? nil : Curl.describe(performed, "running the transfers")
      // With nothing running, the wait ends when a buffer comes back (or after 100 ms).
      if failure == nil {
        let wait = deadline.map { Int32(max(1, min(100, ($0 - WallClock.monotonic()) * 1000))) } ?? 100
        let polled = curl_multi_poll(multi, nil, 0, wait, nil)
        if polled != CURLM_OK { failure = Curl.describe(polled, "waiting for the transfers") }
      }
      if let failure { return endAll { _ in failure } }
    }
  }

  /// Takes a transfer out of the multi handle and frees its libcurl state; a body it still
  /// holds goes back to the pool.
  private func release(_ t: Transfer, from multi: UnsafeMutableRawPointer) {
    t.giveBack(to: buffers)
    guard let easy = t.easy else { return }
    curl_multi_remove_handle(multi, easy)
    curl_easy_cleanup(easy)
    curl_slist_free_all(t.headers)
  }

  // MARK: - One transfer

  /// Sets up one transfer; throws what libcurl refused, in words.
  private func configure(_ t: Transfer) throws(CurlError) {
    let url = t.target.url
    let options = t.target.http ?? options
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw CurlError("not an http(s) URL") }
    guard let easy = curl_easy_init() else { throw CurlError("cannot create a libcurl handle (out of memory?)") }
    t.easy = easy
    func set(_ name: String, _ code: CURLcode) throws(CurlError) {
      guard code == CURLE_OK else { throw CurlError(Curl.describe(code, "setting \(name)")) }
    }
    try set("CURLOPT_URL", zt_easy_setopt_string(easy, CURLOPT_URL, url))
    try set("CURLOPT_NOSIGNAL", zt_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
    try set("CURLOPT_PROTOCOLS_STR", zt_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
    try set("CURLOPT_REDIR_PROTOCOLS_STR", zt_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
    try set("CURLOPT_FOLLOWLOCATION", zt_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1))
    try set("CURLOPT_MAXREDIRS", zt_easy_setopt_long(easy, CURLOPT_MAXREDIRS, options.maxRedirects))
    try set("CURLOPT_TIMEOUT_MS", zt_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, options.timeoutMs))
    try set(
      "CURLOPT_CONNECTTIMEOUT_MS", zt_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, min(options.timeoutMs, 3000)))
    // "": every encoding this libcurl was built with.
    try set("CURLOPT_ACCEPT_ENCODING", zt_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
    try set(
      "CURLOPT_MAXFILESIZE_LARGE", zt_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxBodyBytes))
    )
    try set("CURLOPT_USERAGENT", zt_easy_setopt_string(easy, CURLOPT_USERAGENT, "zonetop/1.0"))
    try set("CURLOPT_SSL_VERIFYPEER", zt_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, options.insecure ? 0 : 1))
    try set("CURLOPT_SSL_VERIFYHOST", zt_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, options.insecure ? 0 : 2))
    if let ca = options.caCertPath { try set("CURLOPT_CAINFO", zt_easy_setopt_string(easy, CURLOPT_CAINFO, ca)) }
    for (name, option, pem) in [
      ("CURLOPT_CAINFO_BLOB", CURLOPT_CAINFO_BLOB, options.caCertPEM),
      ("CURLOPT_SSLCERT_BLOB", CURLOPT_SSLCERT_BLOB, options.clientCertPEM),
      ("CURLOPT_SSLKEY_BLOB", CURLOPT_SSLKEY_BLOB, options.clientKeyPEM),
    ] {
      guard let pem else { continue }
      try set(name, pem.withUnsafeBytes { zt_easy_setopt_blob(easy, option, $0.baseAddress, $0.count) })
    }
    if options.clientCertPEM != nil {
      try set("CURLOPT_SSLCERTTYPE", zt_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM"))
      try set("CURLOPT_SSLKEYTYPE", zt_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM"))
    }
    var lines = ["Accept: \(options.accept)"] + options.headers
    if let token = options.bearerToken { lines.insert("Authorization: Bearer \(token)", at: 1) }
    for line in lines {
      guard let list = curl_slist_append(t.headers, line) else {
        throw CurlError("cannot build the request headers (out of memory?)")
      }
      t.headers = list
    }
    try set("CURLOPT_HTTPHEADER", zt_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, t.headers))
    try set("CURLOPT_ERRORBUFFER", zt_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, t.errorBuffer))
    try set(
      "CURLOPT_WRITEDATA", zt_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(t).toOpaque()))
    try set(
      "CURLOPT_WRITEFUNCTION",
      zt_easy_setopt_write(easy) { ptr, size, count, user in
        // Force unwrap: CURLOPT_WRITEDATA is always set to the transfer.
        // swift-format-ignore: NeverForceUnwrap
        let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
        let n = size * count
        guard let ptr else { return n }
        let accepted = ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
          t.append(UnsafeBufferPointer(start: $0, count: n))
        }
        return accepted ? n : 0  // 0 aborts the transfer
      })
  }

  private func result(_ t: Transfer, code: CURLcode, startMs: Int64, latency: Double) -> ScrapeResult {
    var status = 0
    var contentType: String?
    var wire = 0
    if let easy = t.easy {
      var body: curl_off_t = 0
      var headers = 0
      var request = 0
      _ = zt_easy_getinfo_off(easy, CURLINFO_SIZE_DOWNLOAD_T, &body)
      _ = zt_easy_getinfo_long(easy, CURLINFO_HEADER_SIZE, &headers)
      _ = zt_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &request)
      wire = Int(body) + headers + request
      var http: Int = 0
      _ = zt_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &http)
      status = http
      var ct: UnsafeMutablePointer<CChar>?
      if zt_easy_getinfo_string(easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK, let ct {
        contentType = String(cString: ct)
      }
    }
    var error: String?
    if code != CURLE_OK {
      error = describe(code, t)
    } else if status < 200 || status >= 300 {
      error = "HTTP \(status)"
    }
    var body: [UInt8] = []
    if error == nil {
      swap(&body, &t.body)
      t.holdsBuffer = false  // the result's owner gives it back
    }
    return ScrapeResult(
      target: t.target.name, startMs: startMs, latency: latency, status: status, contentType: contentType,
      body: body, error: error, wireBytes: wire)
  }

  /// A libcurl failure in words a user can act on.
  private func describe(_ code: CURLcode, _ t: Transfer) -> String {
    let detail = String(cString: t.errorBuffer)
    switch code {
    case CURLE_COULDNT_CONNECT:
      var osErrno: Int = 0
      if let easy = t.easy { _ = zt_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno) }
      if osErrno == Int(ECONNREFUSED) || detail.lowercased().contains("refused") { return "connection refused" }
      if osErrno != 0 { return "cannot connect: " + String(cString: strerror(Int32(osErrno))).lowercased() }
      return "cannot connect (\(Sanitize.short(detail, limit: 60)))"
    case CURLE_OPERATION_TIMEDOUT:
      return
        "timed out after \(NumberText.fixed(Double(options.timeoutMs) / 1000, options.timeoutMs % 1000 == 0 ? 0 : 1)) s"
    case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve the host name"
    case CURLE_TOO_MANY_REDIRECTS: return "too many redirects (more than \(options.maxRedirects))"
    case CURLE_WRITE_ERROR where t.tooLarge, CURLE_FILESIZE_EXCEEDED:
      return "body larger than \(ByteFormat.size(options.maxBodyBytes))"
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR:
      // A CA given as PEM bytes comes from a kubeconfig, not from --cacert.
      let hint =
        options.caCertPEM == nil ? "use --cacert, or --insecure" : "check the kubeconfig's certificate-authority"
      return "TLS: \(Sanitize.short(detail.isEmpty ? "certificate verification failed" : detail, limit: 80)) (\(hint))"
    case CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
      return "connection closed mid-body (\(ByteFormat.size(t.received)) received)"
    case CURLE_GOT_NOTHING: return "empty reply from server"
    case CURLE_BAD_CONTENT_ENCODING: return "invalid compressed body"
    case CURLE_UNSUPPORTED_PROTOCOL: return "unsupported protocol"
    default:
      let name = String(cString: curl_easy_strerror(code))
      return detail.isEmpty ? name.lowercased() : Sanitize.short(detail, limit: 80)
    }
  }
}

/// Receive buffers kept between polls, so bodies land in memory the process already has
/// (on the 2-core VM of the performance report a fresh page costs 2.7 µs: 1.2 ms for a
/// 1.8 MB body) and arrays that need not grow.
///
/// At most `limit` buffers are out at once: a transfer starts only when it can have one, so
/// bodies waiting to be parsed hold back new transfers (whose timeouts have not started)
/// instead of piling up in memory. Whoever takes a body from a pool with a limit gives it
/// back with `give` when done with it.
public final class BufferPool: Sendable {
  private struct State {
    var free: [[UInt8]] = []
    var out = 0
    var wake: (@Sendable () -> Void)?
  }
  private let state = Mutex(State())
  public let limit: Int

  public init(limit: Int = .max) { self.limit = max(1, limit) }

  /// An empty buffer (with the capacity of an earlier body, if any), or nil when `limit` are out.
  func take() -> [UInt8]? {
    state.withLock { s in
      guard s.out < limit else { return nil }
      s.out += 1
      return s.free.popLast() ?? []
    }
  }

  /// Gives a buffer back for the next body.
  public func give(_ buffer: consuming [UInt8]) {
    var buffer = buffer
    buffer.removeAll(keepingCapacity: true)
    let wake = state.withLock { s in
      s.out = max(0, s.out - 1)
      if buffer.capacity > 0 && s.free.count < 4096 { s.free.append(buffer) }
      return s.wake
    }
    wake?()
  }

  /// Buffers out now (taken and not given back).
  public var inUse: Int { state.withLock { $0.out } }

  /// Called after every `give` (to wake a poll waiting for a buffer), or nothing.
  func onGiveBack(_ wake: (@Sendable () -> Void)?) { state.withLock { $0.wake = wake } }
}
