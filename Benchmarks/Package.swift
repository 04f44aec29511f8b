// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so they never slow `make test`.
let package = Package(
  name: "zonetop-benchmarks",
  dependencies: [.package(name: "zonetop", path: "..")],
  targets: [
    .target(name: "CMallocCount"),
    .executableTarget(
      name: "zonetop-bench",
      dependencies: [
        "CMallocCount",
        .product(name: "ZoneTopExposition", package: "zonetop"),
        .product(name: "ZoneTopTraffic", package: "zonetop"),
        .product(name: "ZoneTopFiles", package: "zonetop"),
        .product(name: "ZoneTopUI", package: "zonetop"),
        .product(name: "ZoneTopHTTP", package: "zonetop"),
        .product(name: "ZoneTopCollect", package: "zonetop"),
        .product(name: "ZoneTopApp", package: "zonetop"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
