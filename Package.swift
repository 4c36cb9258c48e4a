// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "rnnguard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rnnguard", targets: ["rnnguard"]),
        .library(name: "SequenceModels", targets: ["SequenceModels"]),
        .library(name: "POPQORN", targets: ["POPQORN"]),
        .library(name: "GuardProtocol", targets: ["GuardProtocol"]),
        .library(name: "GuardClient", targets: ["GuardClient"]),
        // A product only so that the fuzz package (Fuzz/Package.swift) can reach RequestDecoder and GuardConfig.
        .library(name: "GuardService", targets: ["GuardService"]),
        .library(name: "ONNXImport", targets: ["ONNXImport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .target(name: "SequenceModels", exclude: ["README.md"]),
        .target(name: "POPQORN", dependencies: ["SequenceModels", "COpenBLAS"], exclude: ["README.md"]),
        // Generated/onnx.pb.swift is committed (README.md says how to regenerate it), so no build runs protoc.
        .target(name: "ONNXImport", dependencies: [
            "SequenceModels",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["README.md", "Generated/onnx.proto"]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], exclude: ["README.md"]),
        .target(name: "GuardProtocol", exclude: ["README.md"]),
        .target(name: "GuardService", dependencies: [
            "GuardProtocol", "SequenceModels", "POPQORN", "ZeroMQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        .target(name: "GuardClient", dependencies: ["GuardProtocol", "ZeroMQ"], exclude: ["README.md"]),
        .target(name: "CalibrationReport", dependencies: [
            "SequenceModels", "POPQORN", "GuardService",
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        .executableTarget(name: "rnnguard", dependencies: [
            "SequenceModels", "POPQORN", "GuardProtocol", "GuardService", "GuardClient", "ONNXImport", "CalibrationReport", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),
        .testTarget(name: "SequenceModelsTests", dependencies: ["SequenceModels"]),
        .testTarget(name: "POPQORNTests", dependencies: ["POPQORN", "SequenceModels"]),
        .testTarget(name: "ONNXImportTests", dependencies: ["ONNXImport", "SequenceModels"], exclude: ["Fixtures"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "GuardServiceTests", dependencies: [
            "GuardProtocol", "GuardService", "GuardClient", "ZeroMQ", "POPQORN", "SequenceModels",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CalibrationReportTests", dependencies: ["CalibrationReport", "GuardService", "POPQORN", "SequenceModels"]),
        // Runs the real binary, so it depends on the executable to have it built first; the proxy test
        // drives it with the Swift client.
        .testTarget(name: "rnnguardTests", dependencies: ["rnnguard", "GuardClient", "GuardProtocol"]),
    ]
)
