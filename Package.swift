// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "zonetop",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "zonetop", targets: ["zonetop"]),
    .library(name: "ZoneTopCore", targets: ["ZoneTopCore"]),
    .library(name: "ZoneTopHTTP", targets: ["ZoneTopHTTP"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    // MARK: - C system libraries
    .systemLibrary(name: "CNCursesW", providers: [.apt(["libncursesw5-dev"])]),
    // libcurl's headers (libcurl4-openssl-dev); the library is loaded at first use.
    .target(name: "CCurl"),
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    // CRC-32C of recorded frames (SSE4.2 when the CPU has it).
    .target(name: "CChecksum"),
    // The exposition parser's SIMD byte scan (static inline, SSE2 or NEON).
    .target(name: "CByteScan"),

    // MARK: - Libraries
    .target(
      name: "ZoneTopCore",
      dependencies: ["CZlib", "CChecksum", "CByteScan", .product(name: "Yams", package: "Yams")]
    ),
    .target(name: "ZoneTopTerminal", dependencies: ["ZoneTopCore", "CNCursesW"]),
    .target(name: "ZoneTopHTTP", dependencies: ["ZoneTopCore", "CCurl"]),
    .target(
      name: "ZoneTopKube",
      dependencies: ["ZoneTopCore", "ZoneTopHTTP", .product(name: "Yams", package: "Yams")]
    ),

    // MARK: - Executable
    .executableTarget(
      name: "zonetop",
      dependencies: [
        "ZoneTopCore", "ZoneTopTerminal", "ZoneTopHTTP", "ZoneTopKube",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    .testTarget(
      name: "ZoneTopCoreTests",
      dependencies: ["ZoneTopCore", "CByteScan"],
      exclude: ["Snapshots"]
    ),
    .testTarget(
      name: "ZoneTopIntegrationTests",
      dependencies: ["ZoneTopCore", "ZoneTopHTTP", "ZoneTopKube"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
