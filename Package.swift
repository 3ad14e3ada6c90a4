// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "Matching", targets: ["Matching"]),
        .library(name: "TandemKit", targets: ["TandemKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Pinned exactly: the compiled renderer (Render/CompiledTemplates.swift) mirrors its whitespace rules.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // `tandem serve` only: a small HTTP server with no dependencies of its own.
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
        // Roster sources saved as .xlsx (Microsoft Forms, Excel): the ZIP container and its XML parts.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/drmohundro/SWXMLHash.git", exact: "8.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // Debian's libyaml, read event by event for large rosters (Load/YAMLTree.swift). Yams
        // bundles the same library as an internal target it does not export, so it is declared
        // here as what it is: a system library.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // Debian's libcurl: the SMTP client of `tandem send`.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // C where Swift cannot go or cannot go fast enough: the atomic directory swap
        // (renameat2, which Swift cannot reach directly) and the scoring kernels that fill a
        // program's candidate graph (a row kernel and a bit-sliced one; see Match/Scoring.swift).
        .target(name: "CTandemSupport"),
        // Pure algorithms on integer-weighted graphs: no Foundation, no I/O.
        .target(name: "Matching"),
        .target(
            name: "TandemKit",
            dependencies: [
                "CCmarkGFM",
                "CLibYAML",
                "CTandemSupport",
                "Matching",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SWXMLHash", package: "SWXMLHash"),
            ],
            // The built-in theme (the repository's top-level Templates/ points here) and the
            // starter portals of `tandem init`.
            resources: [.copy("Theme"), .copy("Scaffold/Starters")]
        ),
        // The preview server of `tandem serve`; keeps the HTTP dependency out of TandemKit.
        .target(
            name: "TandemServe",
            dependencies: ["TandemKit", .product(name: "FlyingFox", package: "FlyingFox")]
        ),
        // `tandem send`: the outbox over SMTP; keeps libcurl out of TandemKit.
        .target(name: "TandemSend", dependencies: ["TandemKit", "CCurl"]),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemKit",
                "TandemServe",
                "TandemSend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Solver benchmark and graph exporter (for the networkx cross-check); run on demand.
        .executableTarget(name: "matching-bench", dependencies: ["Matching"], path: "Benchmarks/MatchingBench"),
        // libFuzzer target for the loaders (Tests/fuzz/README.md); a plain replayer otherwise.
        .executableTarget(name: "tandem-fuzz", dependencies: ["TandemKit"], path: "Tests/fuzz/Target"),
        .testTarget(name: "MatchingTests", dependencies: ["Matching"]),
        .testTarget(name: "TandemKitTests", dependencies: ["TandemKit", "Matching"]),
        .testTarget(name: "ServeTests", dependencies: ["TandemServe", "TandemKit", .product(name: "FlyingFox", package: "FlyingFox")]),
    ]
)
