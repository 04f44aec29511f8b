import ZoneTopTraffic

extension PrometheusClient {
  /// What `decode` made of an answer, for callers outside the package (the fuzz target).
  public struct DecodedAnswer: Sendable {
    /// Each series' point times in milliseconds, in answer order.
    public var pointTimes: [[Int64]]
    /// Values skipped as not a count.
    public var skipped: Int
    /// The first value skipped, in words.
    public var firstSkipped: String?
  }

  /// Decodes an API answer exactly as a query does; the error is the message a user sees.
  public static func decodeAnswer(_ body: [UInt8], httpStatus: Int, matrix: Bool) -> Result<DecodedAnswer, APIError> {
    do {
      let a = try decode(body, httpStatus: httpStatus, matrix: matrix, origin: "http://prometheus")
      return .success(
        DecodedAnswer(
          pointTimes: a.series.map { $0.points.map(\.timeMs) }, skipped: a.skipped, firstSkipped: a.firstSkipped))
    } catch {
      return .failure(error)
    }
  }
}
