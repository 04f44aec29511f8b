// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets (built by `make fuzz` with -sanitize=fuzzer,address), in their own
// package so that neither `make test` nor `make run` builds them.
let package = Package(
  name: "zonetop-fuzz",
  dependencies: [.package(name: "zonetop", path: "..")],
  targets: [
    .target(name: "FuzzSupport"),
    .executableTarget(name: "fuzz-parser", dependencies: ["FuzzSupport", .product(name: "ZoneTopCore", package: "zonetop")]),
    .executableTarget(name: "fuzz-recording", dependencies: ["FuzzSupport", .product(name: "ZoneTopCore", package: "zonetop")]),
    .executableTarget(name: "fuzz-pricing", dependencies: ["FuzzSupport", .product(name: "ZoneTopCore", package: "zonetop")]),
  ],
  swiftLanguageModes: [.v6]
)
