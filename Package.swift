// swift-tools-version: 6.0
import PackageDescription

// Layers depend only downward:
// CBLAS/CZlib/CVectorMath → TensorCore → AttentionKernels → NN → Models → Visualization → attention (CLI)
let package = Package(
    name: "swift-attention",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "AttentionKernels", targets: ["AttentionKernels"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Visualization", targets: ["Visualization"]),
        .executable(name: "attention", targets: ["attention"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "TensorCore",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))]
        ),
        // A header-only C shim: a multiply-add that is fused exactly when the target CPU has FMA (see its header).
        .target(name: "CVectorMath"),
        .target(name: "AttentionKernels", dependencies: ["TensorCore", "CVectorMath"]),
        .target(name: "NN", dependencies: ["TensorCore", "AttentionKernels"]),
        .target(name: "Models", dependencies: ["TensorCore", "AttentionKernels", "NN"]),
        .target(name: "Visualization", dependencies: ["TensorCore", "CZlib"]),
        .target(name: "_TestSupport", dependencies: ["TensorCore"]),
        .executableTarget(
            name: "attention",
            dependencies: ["TensorCore", "AttentionKernels", "NN", "Models", "Visualization"]
        ),
        .testTarget(
            name: "TensorCoreTests",
            dependencies: ["TensorCore", "_TestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "AttentionKernelsTests",
            dependencies: ["AttentionKernels", "TensorCore", "_TestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "NNTests",
            dependencies: ["NN", "AttentionKernels", "TensorCore", "_TestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "ModelsTests",
            dependencies: ["Models", "NN", "TensorCore", "_TestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TensorCore", "AttentionKernels", "_TestSupport"]
        ),
        .testTarget(
            name: "VisualizationTests",
            dependencies: ["Visualization", "TensorCore", "_TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
