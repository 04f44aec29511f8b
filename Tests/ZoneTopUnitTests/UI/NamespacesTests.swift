import Testing
import ZoneTopApp
import ZoneTopTraffic
import ZoneTopUI

/// The Namespaces view and `--group-by namespace`: cost by source and by destination namespace.
@Suite struct NamespacesTests {
  @Test func eachSideAddsUpToTheWholeWindow() throws {
    let (loop, _) = Demo.loop(keys: [.char("6")])
    let r = try #require(loop.state.report)
    let total = r.bytesByScope.values.reduce(UInt64(0), +)
    for side in NamespaceSide.allCases {
      let rows = r.namespaceStats.filter { $0.side == side }
      #expect(rows.count > 1)
      #expect(rows.map(\.bytes).reduce(0, +) == total, "\(side)")
      let cost = rows.map(\.costUSD).reduce(0, +)
      #expect(abs(cost - r.totalCostUSD) < 1e-6 * max(1, r.totalCostUSD), "\(side)")
      #expect(rows.map(\.costUSD) == rows.map(\.costUSD).sorted(by: >))
    }
  }

  @Test func theViewShowsTheCostliestSourceNamespaceFirst() throws {
    let (loop, screen) = Demo.loop(keys: [.char("6")])
    let r = try #require(loop.state.report)
    let top = try #require(r.namespaceStats.first { $0.side == .source })
    let lines = screen.lines
    let header = try #require(lines.firstIndex { $0.contains("NAMESPACE") })
    #expect(lines[header].contains("USD/MONTH▼") && lines[header].contains("X-SHARE"))
    let first = lines[header + 1]
    #expect(first.contains("from") && first.contains(top.namespace), "\(first)")
    #expect(first.contains(NumberText.usd(r.perMonth(top.costUSD))), "\(first)")
    #expect(lines.contains { $0.hasPrefix(" to ") }, "the destination side has its first row marked")
    // The export is what is on screen, in its order.
    let csv = try #require(ReportExport.viewCSV(loop.state))
    #expect(csv.name == "namespaces")
    let second = csv.text.split(separator: "\r\n")[1]
    #expect(second.contains(",source,\(top.namespace),"))
  }

  @Test func enterOpensTheNamespacesFlows() throws {
    let (loop, _) = Demo.loop(keys: [.char("6"), .enter])
    #expect(loop.state.view == .flows)
    let ns = try #require(loop.state.namespaceFilter)
    let hops = try #require(loop.state.report).hops.keys
    #expect(!hops.isEmpty)
    #expect(loop.state.report?.flows.keys.isEmpty == false)
    #expect(loop.state.status?.hasPrefix("Flows of namespace \(ns)") == true)
  }

  @Test func sortingKeepsTheSidesApart() throws {
    let (loop, _) = Demo.loop(keys: [.char("6"), .char(">")])  // cost wraps to the name
    let rows = ViewRows.namespaceRows(try #require(loop.state.report), loop.state)
    let sources = rows.prefix { $0.side == .source }.map(\.namespace)
    #expect(sources == sources.sorted() && sources.count > 1)
    #expect(rows.dropFirst(sources.count).allSatisfy { $0.side == .destination })
  }

  @Test func csvAndJSONByNamespace() throws {
    let (loop, _) = Demo.loop(keys: [])
    let r = try #require(loop.state.report)
    let csv = ReportExport.csv(r, groupBy: .namespace)
    let lines = csv.split(separator: "\r\n")
    #expect(lines.first == Substring(ReportExport.namespaceColumns.joined(separator: ",")))
    #expect(lines.count == r.namespaceStats.count + 1)
    let json = ReportExport.json(r, groupBy: .namespace)
    #expect(json.contains("\"group_by\":\"namespace\""))
    #expect(json.contains("{\"side\":\"source\",\"namespace\":"))
    #expect(json.contains("\"cross_share\":"))
    let table = ReportExport.table(r, groupBy: .namespace)
    #expect(table.contains("SIDE") && table.contains("CROSS SHARE"))
  }
}
