import Foundation
import Testing
import ZoneTopApp
import ZoneTopCollect
import ZoneTopExposition
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// CSV, JSON and table output: schema, quoting, neutralisation, validity.
@Suite struct ExportTests {
  static func hostileReport() -> TrafficReport {
    var flows = FlowTable()
    let evil = "=HYPERLINK(\"http://x\",\"y\")\u{1B}[31m\n"
    let a = Locality(region: "r1", zone: "-zone,a")
    let b = Locality(region: "@r2", zone: "+zb\"")
    _ = flows.id(
      for: FlowKey(
        reporter: .source, sourceWorkload: evil, sourceNamespace: "ns", destinationWorkload: "d",
        destinationNamespace: "ns", destinationService: "svc\u{07}", source: a, destination: b, hasLocality: true))
    return Aggregator.report(
      flows: flows, counts: [Counts(received: 1000, sent: 10, opened: 2)], present: [true],
      windowStartMs: 0, windowEndMs: 10_000, options: ReportOptions())
  }

  @Test func zoneCsvHasTheDocumentedSchema() throws {
    let source = try OfflineSource(path: TestPaths.demoRecording)
    var problems: [String] = []
    let report = OfflineAggregation.report(source: source, windowMs: nil, options: ReportOptions(), problems: &problems)
    let csv = ReportExport.csv(report, groupBy: .zone)
    let lines = csv.split(separator: "\r\n").map(String.init)
    #expect(
      lines[0]
        == "window_start,window_end,source_region,source_zone,destination_region,destination_zone,scope,bytes,bytes_per_second,connections_opened,cost_usd,cost_usd_per_month"
    )
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    #expect(rows.allSatisfy { $0.count == 12 })
    let bytes = rows.map { UInt64($0[7])! }
    #expect(bytes == bytes.sorted(by: >))
    #expect(rows.first?[0] == "2025-03-03T10:00:00Z")
    // bytes_per_second is bytes over the window.
    let first = rows[0]
    #expect(abs(Double(first[8])! - Double(first[7])! / report.windowSeconds) < 0.001)
    #expect(problems.isEmpty)
  }

  @Test func csvNeutralisesFormulasAndQuotes() {
    let csv = ReportExport.csv(Self.hostileReport(), groupBy: .zone)
    #expect(csv.contains(",'-zone,") == false)  // quoted because of the comma
    #expect(csv.contains("\"'-zone,a\""))
    #expect(csv.contains("'@r2"))
    #expect(csv.contains("\"'+zb\"\"\""))
    let workload = ReportExport.csv(Self.hostileReport(), groupBy: .workload)
    #expect(workload.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\\x1b[31m\\x0a\""))
    #expect(!workload.unicodeScalars.contains { $0.value < 0x20 && $0 != "\r" && $0 != "\n" })
    // numbers stay numbers
    #expect(workload.contains(",1010,1000,10,"))
  }

  @Test(arguments: GroupBy.allCases)
  func jsonAlwaysParses(_ groupBy: GroupBy) throws {
    let json = ReportExport.json(Self.hostileReport(), groupBy: groupBy)
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    #expect(doc["reporter_policy"] as? String == "auto")
    #expect(doc["pricing_profile"] as? String == "aws")
    #expect((doc["rows"] as? [Any])?.isEmpty == false)
  }

  @Test func tableNeverCarriesControlCharacters() {
    for groupBy in GroupBy.allCases {
      let table = ReportExport.table(Self.hostileReport(), groupBy: groupBy)
      #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(groupBy)")
      #expect(table.contains("reporter policy auto"))
    }
  }

  @Test func atomicWriteReplacesWholeFiles() throws {
    let path = "/tmp/zonetop-test-\(getpid())-atomic.csv"
    defer { unlink(path) }
    try Files.writeAtomically(Array("first\n".utf8), to: path)
    try Files.writeAtomically(Array("second\n".utf8), to: path)
    #expect(String(decoding: try Files.read(path), as: UTF8.self) == "second\n")
    #expect(throws: FileError.self) { try Files.writeAtomically([1], to: "/nonexistent-dir/x.csv") }
  }
}
