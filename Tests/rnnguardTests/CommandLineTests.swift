import Foundation
import Testing

/// The real `rnnguard` binary, built beside the test bundle by `swift build --build-tests`.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let binary: URL = {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rnnguard")
    return FileManager.default.isExecutableFile(atPath: besideTests.path) ? besideTests
        : repositoryRoot.appendingPathComponent(".build/debug/rnnguard")
}()

private struct Run {
    let status: Int32
    let stdout: String
    let stderr: String

    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

private func rnnguard(_ arguments: [String], stdin: String? = nil) throws -> Run {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    input.fileHandleForWriting.closeFile()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
               stderr: String(decoding: stderr, as: UTF8.self))
}

@Suite("The rnnguard command line", .serialized)
struct CommandLineTests {
    @Test func predictPrintsLabelLogitsAndProbabilities() throws {
        let run = try rnnguard(["predict", "--model", "examples/models/digits-lstm", "--input", "examples/inputs/digits-lstm.json"])
        #expect(run.status == 0)
        let output = try #require(run.jsonLines.first)
        let probabilities = try #require(output["probabilities"] as? [Double])
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-9)
        #expect((output["logits"] as? [Double])?.count == 10)
        #expect(output["label_name"] as? String == String(output["label"] as! Int))
    }

    @Test func jsonLinesGiveOneLinePerInputAndTextIsTokenized() throws {
        let lines = try rnnguard(["predict", "--model", "examples/models/digits-lstm", "--input", "examples/inputs/digits-lstm.jsonl"])
        #expect(lines.status == 0 && lines.jsonLines.count == 5)
        let text = try rnnguard(["predict", "--model", "examples/models/news-lstm", "--input", "-"],
                                stdin: #"{"text": "stocks fall as oil prices climb"}"#)
        #expect(text.status == 0)
        #expect(text.jsonLines.first?["label_name"] is String)
    }

    @Test func certifyReportsARadiusWithItsBracketAndAttack() throws {
        let run = try rnnguard(["certify", "--model", "examples/models/digits-rnn-tanh", "--input", "examples/inputs/digits-lstm.json",
                                "--norm", "inf", "--radius", "--attack"])
        #expect(run.status == 0)
        let report = try #require(run.jsonLines.first)
        let radius = try #require(report["radius"] as? Double)
        let bracket = try #require(report["bracket"] as? [Double])
        #expect(radius > 0 && bracket[0] == radius && bracket[1] > radius)
        if let attack = report["attack_radius"] as? Double { #expect(attack >= radius) }
        #expect((report["bound_passes"] as? Int ?? 0) > 1)
    }

    @Test func fastDefaultAndThoroughAreOrderedByTightness() throws {
        func radius(_ mode: [String]) throws -> Double {
            let run = try rnnguard(["certify", "--model", "examples/models/digits-rnn-tanh", "--input", "examples/inputs/digits-lstm.json",
                                    "--norm", "2", "--radius"] + mode)
            #expect(run.status == 0)
            return try #require(run.jsonLines.first?["radius"] as? Double)
        }
        let fast = try radius(["--fast"]), tight = try radius([]), thorough = try radius(["--thorough"])
        // Each search stops within 1e-3 of its own radius.
        #expect(tight >= fast * 0.998 && thorough >= tight * 0.998)
        #expect(try rnnguard(["certify", "--model", "examples/models/digits-gru", "--input", "examples/inputs/digits-lstm.json",
                              "--fast", "--thorough"]).status != 0)
    }

    @Test func thresholdAndSensitivity() throws {
        let run = try rnnguard(["certify", "--model", "examples/models/digits-rnn-tanh", "--input", "examples/inputs/digits-lstm.json",
                                "--norm", "2", "--threshold", "0.001", "--sensitivity", "--frames", "2:4"])
        #expect(run.status == 0)
        let report = try #require(run.jsonLines.first)
        let threshold = try #require(report["threshold"] as? [String: Any])
        #expect(threshold["certified"] as? Bool == true)
        #expect((report["frame_radii"] as? [Double])?.count == 8)
        #expect(report["frames"] as? String == "2:4")
    }

    @Test func badInputIsAOneLineErrorAndANonZeroExit() throws {
        let wrongWidth = try rnnguard(["predict", "--model", "examples/models/digits-lstm", "--input", "-"], stdin: #"{"sequence": [[1, 2]]}"#)
        #expect(wrongWidth.status != 0)
        #expect(wrongWidth.stderr == "error: step 0 has 2 features, the model's input_size is 8\n")
        let missing = try rnnguard(["predict", "--model", "/nonexistent", "--input", "examples/inputs/digits-lstm.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("error: cannot read /nonexistent/model.json"))
        let frames = try rnnguard(["certify", "--model", "examples/models/digits-lstm", "--input", "examples/inputs/digits-lstm.json",
                                   "--frames", "9"])
        #expect(frames.status != 0)
        #expect(frames.stderr.contains("frames 9 lie outside the sequence of 8 steps"))
    }

    @Test func inspectShowsTheTensorTable() throws {
        let run = try rnnguard(["inspect", "--model", "examples/models/digits-gru-2layer"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("architecture  gru"))
        #expect(run.stdout.contains("encoder.weight_hh_l1"))
    }
}
