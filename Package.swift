// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Chronicle",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ChronicleKit", targets: ["ChronicleKit"]),
        .executable(name: "chronicle", targets: ["chronicle"]),
        .executable(name: "chronicle-bench", targets: ["chronicle-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "ChronicleKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "chronicle",
            dependencies: [
                "ChronicleKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "chronicle-bench",
            dependencies: [
                "ChronicleKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ChronicleKitTests",
            dependencies: [
                "ChronicleKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ChronicleCLITests",
            dependencies: ["chronicle", "chronicle-bench", "ChronicleKit", .product(name: "GRDB", package: "GRDB.swift")],
            // Golden outputs are read by path (CLI.swift), not bundled as resources.
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Compiler features for the project's own targets.
for target in package.targets where target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
