extension PricingProfile {
  /// The byte unit prices are per: `GiB` (2^30 bytes, AWS and GCP), `GB` (10^9, Azure), or the
  /// bytes a pricing file's `gb_bytes` says; the screen's rates are SI, so labels say which.
  public var unitName: String {
    switch bytesPerGB {
    case 1_073_741_824: "GiB"
    case 1_000_000_000: "GB"
    default: "\(NumberText.fixed(bytesPerGB, 0)) bytes"
    }
  }
}
