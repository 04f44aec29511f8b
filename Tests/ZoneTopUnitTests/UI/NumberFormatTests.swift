import Testing
import ZoneTopTraffic
import ZoneTopUI

/// D17: one rule for significant digits on screen, and prices said per GiB where they are.
@Suite struct NumberFormatTests {
  @Test func cellsHaveTwoSignificantDigitsBelowTenAndNeverRoundUpToTenPointZero() {
    let cases: [(Double, String)] = [
      (0, "0"), (0.004, "<0.01"), (0.89, "0.89"), (0.999, "1.0"), (5.34, "5.3"), (9.94, "9.9"), (9.96, "10"),
      (11.2, "11"), (999.4, "999"), (999.6, "1.0k"), (9_940_000, "9.9M"), (9_960_000, "10M"),
      (10_040_000, "10M"), (11_000_000, "11M"), (999_700_000, "1.0G"),
    ]
    for (v, text) in cases { #expect(Renderer.shortNumber(v) == text, "\(v)") }
    #expect(!cases.map { Renderer.shortNumber($0.0) }.contains("10.0M"))
  }

  @Test func headerRatesHaveThreeSignificantDigits() {
    #expect(NumberText.bytes(9_996_000, suffix: "B/s") == "10.0 MB/s")
    #expect(NumberText.bytes(99_960_000, suffix: "B/s") == "100 MB/s")
    #expect(NumberText.bytes(999_600, suffix: "B/s") == "1.00 MB/s")
    #expect(NumberText.bytes(9_940_000) == "9.94 MB")
    #expect(NumberText.bytes(512) == "512 B")
  }

  @Test func pricesAreSaidPerGiB() throws {
    #expect(PricingProfile.aws.unitName == "GiB" && PricingProfile.gcp.unitName == "GiB")
    #expect(PricingProfile.azure.unitName == "GB")
    let (loop, screen) = Demo.loop()
    #expect(screen.lines[0].contains("pricing aws per GiB"), "\(screen.lines[0])")
    let table = ReportExport.table(try #require(loop.state.report), groupBy: .zone)
    #expect(table.contains("pricing aws per GiB (estimates)"))
  }
}
