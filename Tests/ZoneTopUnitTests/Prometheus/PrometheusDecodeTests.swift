import Testing
import ZoneTopHTTP
import ZoneTopTraffic

/// Decoding Prometheus API answers: values and timestamps from a server we do not control.
@Suite struct PrometheusDecodeTests {
  static let metric =
    #"{"reporter":"source","source_workload":"a","source_workload_namespace":"ns","destination_workload":"b","#
    + #""destination_workload_namespace":"ns","destination_service":"b","source_region":"r1","source_zone":"z1","#
    + #""destination_region":"r1","destination_zone":"z2"}"#

  /// An answer with one series a value: a vector (`value`) or a matrix (`values`, two points).
  static func answer(_ values: [String], time: String = "1796154216.0067022", matrix: Bool) -> [UInt8] {
    let series = values.map { v in
      matrix
        ? #"{"metric":\#(metric),"values":[[\#(time),"\#(v)"],[\#(time),"\#(v)"]]}"#
        : #"{"metric":\#(metric),"value":[\#(time),"\#(v)"]}"#
    }
    let type = matrix ? "matrix" : "vector"
    return Array(
      #"{"status":"success","data":{"resultType":"\#(type)","result":[\#(series.joined(separator: ","))]}}"#.utf8)
  }

  static func decode(_ body: [UInt8], matrix: Bool) throws -> PrometheusClient.Answer {
    try PrometheusClient.decode(body, httpStatus: 200, matrix: matrix, origin: "http://prom:9090")
  }

  /// Reliability report D5: `UInt64(max(0, v.rounded()))` trapped on +Inf and on values of 2^64 and more.
  @Test(arguments: [false, true])
  func valuesThatAreNotCountsAreSkippedAndSaid(matrix: Bool) throws {
    let values = ["+Inf", "-Inf", "NaN", "1e30", "1e300", "18446744073709551616", "-5", "x", "1000", "1e19", "0"]
    let answer = try Self.decode(Self.answer(values, matrix: matrix), matrix: matrix)
    let perPoint = matrix ? 2 : 1
    #expect(answer.series.count == values.count)
    let kept: [[UInt64]] = answer.series.map { $0.points.map(\.value) }
    let expected: [[UInt64]] =
      Array(repeating: [], count: 8)
      + [1000, 10_000_000_000_000_000_000, 0].map { Array(repeating: $0, count: perPoint) }
    #expect(kept == expected)
    #expect(answer.series[8].points.first?.timeMs == 1_796_154_216_007)
    #expect(answer.series[8].labels["source_zone"] == "z1")
    #expect(answer.skipped == 8 * perPoint)
    let note = answer.skippedNote("istio_tcp_received_bytes_total")
    #expect(
      note?.hasPrefix(
        "istio_tcp_received_bytes_total: skipped \(8 * perPoint) values that are not a count (NaN, infinite, negative or 2^64 and more), e.g. \"+Inf\" in {destination_region=\"r1\","
      ) == true, "\(note ?? "nil")")
    #expect(try Self.decode(Self.answer(["1000"], matrix: matrix), matrix: matrix).skippedNote("f") == nil)
  }

  /// Reliability report D5: `Int64((t * 1000).rounded())` trapped on a timestamp of 1e300.
  @Test(arguments: [
    "1e300", "-1e300", "9.3e15", "-1", "0", "946684799.999", "7258118400", #""1796154216""#, "null", "true",
  ])
  func absurdTimestampsRefuseTheAnswerNamingTheSeries(time: String) {
    for matrix in [false, true] {
      let error = #expect(throws: PrometheusClient.APIError.self) {
        try Self.decode(Self.answer(["1000"], time: time, matrix: matrix), matrix: matrix)
      }
      let text = error?.description ?? ""
      #expect(text.hasPrefix("http://prom:9090: unexpected API answer: series {destination_region=\"r1\","), "\(text)")
      #expect(text.hasSuffix("not a time from 2000-01-01 to 2200-01-01"), "\(text)")
    }
  }

  @Test func theEdgesOfTheTimeRangeAreKept() throws {
    for (time, ms) in [("946684800", Int64(946_684_800_000)), ("7258118399.999", 7_258_118_399_999)] {
      let answer = try Self.decode(Self.answer(["1"], time: time, matrix: true), matrix: true)
      #expect(answer.series.first?.points.first?.timeMs == ms)
    }
  }

  @Test func answersThatAreNotTheAPIGetAnErrorNamingTheServer() {
    for (body, message) in [
      ("<html>", "http://prom:9090: the answer is not Prometheus API JSON (HTTP 200)"),
      (#"{"status":"error","error":"bad query"}"#, "http://prom:9090: query failed: bad query"),
      (#"{"status":"success","data":{}}"#, "http://prom:9090: unexpected API answer: no data.result"),
    ] {
      let error = #expect(throws: PrometheusClient.APIError.self) {
        try PrometheusClient.decode(Array(body.utf8), httpStatus: 200, matrix: false, origin: "http://prom:9090")
      }
      #expect(error?.description == message)
    }
  }

  @Test func labelsThatAreNotStringsAreLeftOut() throws {
    let body =
      #"{"status":"success","data":{"result":[{"metric":{"source_zone":5,"x":null,"y":"ok"},"value":[1796154216,"7"]}]}}"#
    let answer = try PrometheusClient.decode(Array(body.utf8), httpStatus: 200, matrix: false, origin: "p")
    #expect(answer.series.first?.labels == ["y": "ok"])
    #expect(answer.series.first?.points.first?.value == 7)
  }
}
