import ZoneTopCore

/// Fetching one body for `validate` (the HTTP module arrives with the poller).
struct FetchedBody {
  var bytes: [UInt8]
  var contentType: String?
}

func fetchForValidation(_ url: String) throws -> FetchedBody {
  throw FileError(path: url, message: "URL fetching is not available yet")
}
