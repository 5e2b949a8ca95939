// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mfsim",
    products: [
        .library(name: "MeanField", targets: ["MeanField"]),
        .executable(name: "mfsim", targets: ["mfsimMain"]),
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
        // The commands (parsing and printing), a library so the tests link them as they are.
        .target(
            name: "mfsim",
            dependencies: [
                "MeanField",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The `mfsim` binary: one call into the library, linked as a static executable. Start-up
        // is then ~6M instructions instead of ~15M (no dynamic loader, no relocations of the
        // Swift runtime's shared libraries): `mfsim --version` in ~4 ms instead of ~12 ms
        // (docs/BENCHMARKS.md). FoundationEssentials' static archive does not name the two
        // archives it needs, hence the two -l flags. Only this target is linked so: the test
        // bundle links the swift-testing runtime, which exists only as a shared library.
        .executableTarget(
            name: "mfsimMain",
            dependencies: ["mfsim"],
            linkerSettings: [
                .unsafeFlags(["-static-executable",
                              "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-l_FoundationCShims"]),
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
