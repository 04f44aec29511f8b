// swift-tools-version:6.0
import PackageDescription

// collect -> state -> render, I/O at the edges. Arrows point at what a module uses:
//
//   zonetop ─→ ZoneTopApp ─→ ZoneTopUI ─→ ZoneTopTraffic ─→ ZoneTopExposition
//      │           └──────→ ZoneTopCollect ─→ ZoneTopHTTP, ZoneTopFiles ─→ ZoneTopTraffic
//      ├─→ ZoneTopTerminal ─→ ZoneTopUI
//      └─→ ZoneTopKube ─→ ZoneTopHTTP, ZoneTopFiles
let package = Package(
  name: "zonetop",
  products: [
    .executable(name: "zonetop", targets: ["zonetop"]),
    .library(name: "ZoneTopExposition", targets: ["ZoneTopExposition"]),
    .library(name: "ZoneTopTraffic", targets: ["ZoneTopTraffic"]),
    .library(name: "ZoneTopFiles", targets: ["ZoneTopFiles"]),
    .library(name: "ZoneTopHTTP", targets: ["ZoneTopHTTP"]),
    .library(name: "ZoneTopCollect", targets: ["ZoneTopCollect"]),
    .library(name: "ZoneTopUI", targets: ["ZoneTopUI"]),
    .library(name: "ZoneTopApp", targets: ["ZoneTopApp"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    // MARK: - C system libraries and shims
    .systemLibrary(name: "CNCursesW", providers: [.apt(["libncursesw5-dev"])]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    // CRC-32C of recorded frames (SSE4.2 when the CPU has it).
    .target(name: "CChecksum"),
    // The exposition parser's SIMD byte scan (static inline, SSE2 or NEON).
    .target(name: "CByteScan"),

    // MARK: - Pure: parsing, counting, state, render
    // The exposition parser and the strict rules: the only parser-level unsafe code.
    .target(name: "ZoneTopExposition", dependencies: ["CByteScan"]),
    // Counting, windows, aggregation, reporter rules, pricing, export rows and writers.
    .target(name: "ZoneTopTraffic", dependencies: ["ZoneTopExposition"]),
    // UI state, messages, views and the cell buffer; the Screen protocol.
    .target(name: "ZoneTopUI", dependencies: ["ZoneTopTraffic"]),

    // MARK: - Edges: disk, network, cluster, terminal
    // Recordings, scrape directories, gzip, the pricing file; offline aggregation.
    .target(
      name: "ZoneTopFiles",
      dependencies: ["ZoneTopTraffic", "CZlib", "CChecksum", .product(name: "Yams", package: "Yams")]
    ),
    // libcurl only: the poller and the Prometheus API client.
    .target(name: "ZoneTopHTTP", dependencies: ["ZoneTopTraffic", "CCurl"]),
    // kubeconfig, credentials, ztunnel discovery.
    .target(
      name: "ZoneTopKube", dependencies: ["ZoneTopHTTP", "ZoneTopFiles", .product(name: "Yams", package: "Yams")]),
    // The only ncursesw code.
    .target(name: "ZoneTopTerminal", dependencies: ["ZoneTopUI", "CNCursesW"]),

    // MARK: - Collection and the app
    // Sources (live, Prometheus, replay) that emit values from their own thread.
    .target(name: "ZoneTopCollect", dependencies: ["ZoneTopHTTP", "ZoneTopFiles"]),
    // The loop: a source, the state and a screen.
    .target(name: "ZoneTopApp", dependencies: ["ZoneTopUI", "ZoneTopCollect", "ZoneTopFiles"]),

    // MARK: - Executable: argument parsing and wiring
    .executableTarget(
      name: "zonetop",
      dependencies: [
        "ZoneTopApp", "ZoneTopTerminal", "ZoneTopKube",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    // Pure and in-process tests (`make unit`): no server, no terminal, no built binary.
    .testTarget(
      name: "ZoneTopUnitTests",
      dependencies: [
        "ZoneTopApp", "ZoneTopExposition", "ZoneTopTraffic", "ZoneTopUI", "ZoneTopFiles", "ZoneTopCollect",
        "ZoneTopHTTP", "CByteScan",
      ],
      exclude: ["Snapshots"]
    ),
    .testTarget(
      name: "ZoneTopIntegrationTests",
      dependencies: [
        "ZoneTopCollect", "ZoneTopKube", "ZoneTopExposition", "ZoneTopTraffic", "ZoneTopFiles", "ZoneTopHTTP",
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
