import Testing
import ZoneTopHTTP

/// `--targets-file`: one URL a line, whatever the line endings.
@Suite struct TargetsFileTests {
  /// Reliability report D12: a CRLF file was one bogus target ("\r\n" is one Swift Character).
  @Test func crlfBlankLinesCommentsAndSpaces() {
    let text =
      "\u{FEFF}# ztunnels\r\nhttp://a:15020/metrics\r\n\r\n  http://b:15020/metrics  \r\n\t# off: http://x\r\n"
      + "   \r\nhttps://c:15020/metrics\t\r\nhttp://d:15020/metrics"
    #expect(
      TargetsFile.urls(Array(text.utf8)) == [
        "http://a:15020/metrics", "http://b:15020/metrics", "https://c:15020/metrics", "http://d:15020/metrics",
      ])
    #expect(
      TargetsFile.urls(Array("http://a/m\nhttp://b/m\n".utf8)) == ["http://a/m", "http://b/m"])
    // A lone CR (classic Mac OS) is not a line end.
    #expect(TargetsFile.urls(Array("http://a/m\rhttp://b/m".utf8)) == ["http://a/m\rhttp://b/m"])
    #expect(TargetsFile.urls([]) == [] && TargetsFile.urls(Array("\r\n\r\n# only comments\r\n".utf8)) == [])
  }
}
