// swift-tools-version:5.4
// libFuzzer targets, in their own package so that the root `swift build` never sees them: each executable
// here has no `main` (libFuzzer supplies it when built with -sanitize=fuzzer), so a plain build would fail
// to link. Build and run them with scripts/fuzz.sh TARGET SECONDS (docs/reliability.md, "Fuzzing").
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM on Linux renames an executable's entry point to
// <Target>_main and links with `--defsym main=<Target>_main`, which fails here because libFuzzer's own
// `main` is the entry point ("undefined symbol 'FuzzSafeTensors_main'"). 5.4 links executables plainly.
// (The root package still builds with its own 6.2 tools version.)
import PackageDescription

let package = Package(
    name: "rnnguard-fuzz",
    dependencies: [.package(name: "rnnguard", path: "..")],
    targets: [
        .executableTarget(name: "FuzzRequestDecoder", dependencies: [
            .product(name: "GuardService", package: "rnnguard"),
        ]),
        .executableTarget(name: "FuzzSafeTensors", dependencies: [
            .product(name: "SequenceModels", package: "rnnguard"),
        ]),
        .executableTarget(name: "FuzzManifest", dependencies: [
            .product(name: "SequenceModels", package: "rnnguard"),
        ]),
        .executableTarget(name: "FuzzPolicy", dependencies: [
            .product(name: "GuardService", package: "rnnguard"),
        ]),
        .executableTarget(name: "FuzzONNX", dependencies: [
            .product(name: "ONNXImport", package: "rnnguard"),
        ]),
    ]
)
