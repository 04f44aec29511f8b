// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets (built by `make fuzz` with -sanitize=fuzzer,address), in their own
// package so that neither `make test` nor `make run` builds them.
let package = Package(
  name: "zonetop-fuzz",
  dependencies: [.package(name: "zonetop", path: "..")],
  targets: [
    .target(name: "FuzzSupport"),
    .executableTarget(
      name: "fuzz-parser",
      dependencies: [
        "FuzzSupport", .product(name: "ZoneTopExposition", package: "zonetop"),
        .product(name: "ZoneTopFiles", package: "zonetop"),
        .product(name: "ZoneTopTraffic", package: "zonetop"), .product(name: "ZoneTopUI", package: "zonetop"),
      ]
    ),
    .executableTarget(
      name: "fuzz-recording", dependencies: ["FuzzSupport", .product(name: "ZoneTopFiles", package: "zonetop")]),
    .executableTarget(
      name: "fuzz-pricing",
      dependencies: [
        "FuzzSupport", .product(name: "ZoneTopFiles", package: "zonetop"),
        .product(name: "ZoneTopTraffic", package: "zonetop"),
      ]
    ),
    .executableTarget(
      name: "fuzz-prometheus",
      dependencies: [
        "FuzzSupport", .product(name: "ZoneTopHTTP", package: "zonetop"),
        .product(name: "ZoneTopTraffic", package: "zonetop"),
      ]
    ),
    .executableTarget(
      name: "fuzz-frame-header",
      dependencies: [
        "FuzzSupport", .product(name: "ZoneTopFiles", package: "zonetop"),
        .product(name: "ZoneTopTraffic", package: "zonetop"),
      ]
    ),
    .executableTarget(
      name: "fuzz-values", dependencies: ["FuzzSupport", .product(name: "ZoneTopTraffic", package: "zonetop")]),
  ],
  swiftLanguageModes: [.v6]
)
