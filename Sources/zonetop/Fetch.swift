import ZoneTopApp
import ZoneTopCollect
import ZoneTopFiles
import ZoneTopHTTP
import ZoneTopKube
import ZoneTopTerminal
import ZoneTopTraffic
import ZoneTopUI

/// One body fetched for `validate`.
struct FetchedBody {
  var bytes: [UInt8]
  var contentType: String?
}

func fetchForValidation(_ url: String) throws -> FetchedBody {
  var options = HTTPOptions()
  options.timeoutMs = 10_000
  let r = Poller(options: options).fetch([url])[0]
  if let error = r.error { throw FileError(path: url, message: error) }
  return FetchedBody(bytes: r.body, contentType: r.contentType)
}
