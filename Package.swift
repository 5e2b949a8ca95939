// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mfsim",
    products: [
        .library(name: "MeanField", targets: ["MeanField"]),
        .executable(name: "mfsim", targets: ["mfsim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // GNU GSL through pkg-config. Only Sources/MeanField/Gaussian/GSL.swift imports it.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        .target(name: "MeanField", dependencies: ["CGSL"]),
        .executableTarget(
            name: "mfsim",
            dependencies: [
                "MeanField",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Performance figures, not part of `swift test`: `make bench`.
        .executableTarget(
            name: "MeanFieldBenchmarks",
            dependencies: ["MeanField"],
            path: "Benchmarks/MeanFieldBenchmarks"
        ),
        .testTarget(name: "MeanFieldTests", dependencies: ["MeanField"],
                    exclude: ["Reference/make_references.py", "Reference/make_references_2d.py"]),
        .testTarget(name: "mfsimTests", dependencies: ["mfsim"]),
    ]
)
