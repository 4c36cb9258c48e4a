#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GuardClient
import GuardProtocol
import Testing

/// The real `rnnguard` binary, built beside the test bundle by `swift build --build-tests`. Shared with
/// ProxyProcessTests.swift, like ``rnnguard(_:stdin:)`` and ``freePort()``.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let binary: URL = {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rnnguard")
    return FileManager.default.isExecutableFile(atPath: besideTests.path) ? besideTests
        : repositoryRoot.appendingPathComponent(".build/debug/rnnguard")
}()

struct Run {
    let status: Int32
    let stdout: String
    let stderr: String

    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

func rnnguard(_ arguments: [String], stdin: String? = nil) throws -> Run {
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

    /// `--method` picks a bound method; `--budget-ms` climbs the anytime ladder and never reports more than
    /// the full method proves on its own ladder's top rung; bad values are one-line errors.
    @Test func methodsAndBudgets() throws {
        let base = ["certify", "--model", "examples/models/digits-gru", "--input", "examples/inputs/digits-lstm.json", "--norm", "inf", "--radius"]
        func radius(_ extra: [String]) throws -> (Double, [String: Any]) {
            let run = try rnnguard(base + extra)
            #expect(run.status == 0, "\(extra): \(run.stderr)")
            let report = try #require(run.jsonLines.first)
            return (try #require(report["radius"] as? Double), report)
        }
        let (full, _) = try radius([])
        let (window, _) = try radius(["--method", "window:2"])
        let (interval, _) = try radius(["--method", "interval", "--fast"])
        #expect(full > 0 && window > 0 && interval >= 0)
        #expect(interval < full)
        let (anytime, report) = try radius(["--budget-ms", "60000"])
        #expect(report["method"] as? String == "anytime" && report["complete"] as? Bool == true)
        #expect(anytime >= full * (1 - 1e-2))
        let (hurried, _) = try radius(["--budget-ms", "0.1"])
        #expect(hurried <= anytime)
        // A chosen ladder ending on the same top rung reaches the same radius.
        let (chosen, _) = try radius(["--budget-ms", "60000", "--ladder", "zonotope:16+mccormick,full+optimizer"])
        #expect(chosen >= full * (1 - 1e-2))
        let threshold = try rnnguard(["certify", "--model", "examples/models/digits-gru", "--input", "examples/inputs/digits-lstm.json",
                                      "--norm", "inf", "--threshold", "\(full / 2)", "--budget-ms", "60000", "--ladder", "full+optimizer"])
        let decided = try #require(threshold.jsonLines.first)
        #expect(decided["method"] as? String == "full+optimizer" && decided["bound_computations"] as? Int == 1, "\(decided)")
        for (bad, named) in [(["--method", "window:x"], "--method"), (["--budget-ms", "0"], "--budget-ms"),
                             (["--budget-ms", "5", "--method", "window:2"], "--budget-ms"),
                             (["--ladder", "full"], "--ladder needs --budget-ms"),
                             (["--budget-ms", "5", "--ladder", "full,fulll"], "--ladder: rung 1 \"fulll\" is not a bound method"),
                             (["--budget-ms", "5", "--ladder", ""], "--ladder: rung 0 \"\" is not a bound method"),
                             (["--budget-ms", "5", "--ladder", "full,full"], "--ladder: rung 1 \"full\" repeats an earlier rung")] {
            let run = try rnnguard(base + bad)
            let first = run.stderr.split(separator: "\n").first ?? ""
            #expect(run.status != 0 && first.hasPrefix("Error:") && first.contains(named), "\(bad): \(first)")
        }
    }

    /// Plain `bench`: a model of an issue-11 workload size gets the issue's targets table (decision p50,
    /// radius within the budget, complete search, each with its target and verdict), any other model the
    /// speed-and-tightness row; the output ends by pointing to `--methods`. Garbage counts are refused.
    @Test func benchPrintsTheTargetsOfWorkloadSizes() throws {
        let run = try rnnguard(["bench", "--models", "examples/models/w1-digits-rnn", "examples/models/digits-rnn-tanh",
                                "--inputs", "2", "--norms", "inf"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("digits-rnn-tanh") && $0.contains(" inf ") }, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("issue 11's targets") })
        let row = try #require(lines.first { $0.hasPrefix("W1 digits, RNN") }, "\(run.stdout)")
        for part in ["w1-digits-rnn", "< 0.100 ms: ", ">= 0.99: ", "1.00 ms", "x (<= 10x): ", "searched now"] {
            #expect(row.contains(part), "\(part) in \(row)")
        }
        #expect(!lines.contains { $0.hasPrefix("w1-digits-rnn") }, "a workload gets no speed-and-tightness row")
        #expect(run.stdout.contains("add --methods"))
        let bad = try rnnguard(["bench", "--models", "examples/models/w1-digits-rnn", "--inputs=-1"])
        #expect(bad.status != 0 && bad.stderr.contains("--inputs must lie in 1...100000"), "\(bad.stderr)")
    }

    /// A folder's full-radii.json serves `bench` only for the files and certifier it was computed with:
    /// the same inputs (and as many), model and norm, figures that are radii, and a probe radius today's
    /// certifier gives again; otherwise the bench searches live and says why. `--save-full-radii` writes
    /// the record, `--live-full` ignores it.
    @Test func fullRadiiRecordServesOnlyItsOwnFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("full-radii-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = repositoryRoot.appendingPathComponent("examples/models/w1-digits-rnn")
        for file in ["model.json", "model.safetensors", "inputs.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        // The row's last column: where its full radii came from.
        func fullRadii(_ extra: [String]) throws -> String {
            let run = try rnnguard(["bench", "--models", folder.path, "--norms", "inf"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            guard let row = run.stdout.split(separator: "\n").first(where: { $0.hasPrefix("W1 digits, RNN") }),
                  let verdict = row.range(of: #"\(<= 10x\): (met|missed) +"#, options: .regularExpression) else { return run.stdout }
            return String(row[verdict.upperBound...])
        }
        #expect(try fullRadii(["--inputs", "2"]) == "searched now")
        #expect(try fullRadii(["--inputs", "2", "--save-full-radii"]) == "searched now, recorded")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("full-radii.json"))) as? [String: Any]
        #expect((record?["radii"] as? [Double])?.count == 2 && record?["norm"] as? String == "inf")
        #expect(try fullRadii(["--inputs", "2"]) == "recorded in full-radii.json (searches timed then)")
        #expect(try fullRadii(["--inputs", "1"]) == "recorded in full-radii.json (searches timed then)")
        #expect(try fullRadii(["--inputs", "2", "--live-full"]) == "searched now")
        #expect(try fullRadii(["--inputs", "3"]) == "searched now (full-radii.json holds 2 inputs, not 3)")
        // Another certifier's probe, figures that are not radii, other inputs and another model: each is
        // refused, with its reason.
        let recordURL = folder.appendingPathComponent("full-radii.json")
        let saved = try String(contentsOf: recordURL, encoding: .utf8)
        var changed = try #require(record)
        changed["probe"] = try #require(record?["probe"] as? Double) * (1 + 1e-4)
        try JSONSerialization.data(withJSONObject: changed).write(to: recordURL)
        #expect(try fullRadii(["--inputs", "2"]) == "searched now (full-radii.json was computed by another certifier)")
        changed = try #require(record)
        changed["radii"] = [-1.0, 0.5]
        try JSONSerialization.data(withJSONObject: changed).write(to: recordURL)
        #expect(try fullRadii(["--inputs", "2"]) == "searched now (full-radii.json holds figures that are not radii)")
        try "{\"radii\": \"many\"}".write(to: recordURL, atomically: true, encoding: .utf8)
        #expect(try fullRadii(["--inputs", "2"]) == "searched now (full-radii.json is not a record of full radii)")
        try saved.write(to: recordURL, atomically: true, encoding: .utf8)
        let inputs = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("inputs.json"))) as! [Any]
        try JSONSerialization.data(withJSONObject: Array(inputs.reversed())).write(to: folder.appendingPathComponent("inputs.json"))
        #expect(try fullRadii(["--inputs", "2"]) == "searched now (full-radii.json was computed on other inputs)")
        var weights = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
        weights[weights.count - 1] ^= 1
        try weights.write(to: folder.appendingPathComponent("model.safetensors"))
        #expect(try fullRadii(["--inputs", "2"]) == "searched now (full-radii.json was computed on another model)")
        // A fixture with the original POPQORN's radii keeps its speed-and-tightness row beside the targets.
        try #"{"results": [{"radius": {"inf": 0.02}, "seconds": {"inf": 1.0}}]}"#.write(
            to: folder.appendingPathComponent("reference.json"), atomically: true, encoding: .utf8)
        let both = try rnnguard(["bench", "--models", folder.path, "--norms", "inf", "--inputs", "1"])
        #expect(both.status == 0, "\(both.stderr)")
        let lines = both.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix(folder.lastPathComponent) && $0.contains(" inf ") }, "\(both.stdout)")
        #expect(lines.contains { $0.hasPrefix("W1 digits, RNN") }, "\(both.stdout)")
    }

    /// `bench --methods` measuring decisions alone (`--typical-radius`) on held-out inputs, with and
    /// without a climb margin; and its new options refusing garbage with a one-line error.
    @Test func benchMeasuresDecisionsAndRefusesGarbage() throws {
        let base = ["bench", "--methods", "--norms", "inf", "--models", "examples/models/w1-digits-rnn", "--inputs", "2"]
        let run = try rnnguard(base + ["--typical-radius", "0.029", "--held-out", "--climb-margin", "0.02"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("standard, full climb") && run.stdout.contains("standard, climb margin 0.02"), "\(run.stdout)")
        #expect(run.stdout.contains("standard ladder's cheapest rung's worst relative margin"))
        #expect(run.stdout.contains("climb margin 1.5 x the accepted's shortfall: "))
        // A chosen ladder is decided beside the standard one, in the same run.
        let chosen = try rnnguard(base + ["--typical-radius", "0.029", "--ladder", "zonotope:32+mccormick,full+optimizer"])
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(chosen.stdout.contains("chosen ladder: zonotope:32+mccormick, full+optimizer"), "\(chosen.stdout)")
        #expect(chosen.stdout.contains("chosen, full climb") && chosen.stdout.contains("accepts: "), "\(chosen.stdout)")
        for (bad, message) in [(["--climb-margin=-1"], "--climb-margin must lie in [0, 1000000]"),
                               (["--climb-margin", "nan"], "--climb-margin must lie in [0, 1000000]"),
                               (["--typical-radius", "0"], "--typical-radius takes one radius in (0, 1000] per model"),
                               (["--typical-radius", "0.02", "0.03"], "--typical-radius takes one radius in (0, 1000] per model"),
                               (["--ladder", "full", "full+optimizer"], "--ladder takes one ladder for every model or one per model"),
                               (["--ladder", "full+fast"], "--ladder: rung 0 \"full+fast\" is not a bound method")] {
            let refused = try rnnguard(base + bad)
            let first = refused.stderr.split(separator: "\n").first ?? ""
            #expect(refused.status != 0 && first.hasPrefix("Error:") && first.contains(message), "\(bad): \(first)")
        }
    }

    /// `rnnguard reload` from the sidecar's own host: a policy that loads is served (exit 0, the models
    /// listed); one that does not is `reload_failed` (exit 1) and the old set keeps answering.
    @Test func reloadSwapsThePolicyOrSaysWhyNot() throws {
        let policy = FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-reload-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: policy) }
        let (server, endpoint) = try startServe(name: "reload", policy: policy)
        defer { stopServe(server) }
        let good = try rnnguard(["reload", "--endpoint", endpoint])
        let models = try #require(good.jsonLines.first?["models"] as? [[String: Any]])
        #expect(good.status == 0 && models.map { $0["name"] as? String } == ["digits"])
        try "models: [".write(to: policy, atomically: true, encoding: .utf8)
        let broken = try rnnguard(["reload", "--endpoint", endpoint])
        #expect(broken.status == 1 && broken.jsonLines.first?["code"] as? String == "reload_failed")
        #expect(try rnnguard(["health", "--endpoint", endpoint]).status == 0)
    }

    /// The probe a container runs: no sidecar at the endpoint is exit 1 with one error line, quickly.
    @Test func healthFailsWhenNothingAnswers() throws {
        let run = try rnnguard(["health", "--endpoint", "tcp://127.0.0.1:9", "--timeout-ms", "200"])
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("no reply within 200 ms"))
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
        #expect((report["bound_computations"] as? Int ?? 0) > 1)
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

    /// `report`: a bad data line stops it with the line's number; `--skip-bad` writes the good lines' report.
    @Test func reportNamesBadLinesAndSkipBadWritesTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = folder.appendingPathComponent("data.jsonl")
        try """
        {"sequence": [[0.5, -1, 0.25, 1], [1, 0, -0.5, 0.5]], "label": 0}
        {"sequence": [[0.5, -1, 0.25]], "label": 1}
        {"sequence": [[1, 1, 1, 1]], "label": 2}

        """.write(to: data, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("r.html").path
        let arguments = ["report", "--model", "examples/models/variant-gru-max", "--data", data.path, "--out", out,
                         "--attack-sample", "1", "--sensitivity-sample", "1"]
        let stopped = try rnnguard(arguments)
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("line 2: step 0 has 3 features, the model reads 4"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let skipped = try rnnguard(arguments + ["--skip-bad"])
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("skipped \(data.path) line 2"))
        let page = try String(contentsOfFile: out, encoding: .utf8)
        #expect(page.contains("2 labelled predictions") && page.contains("line 2: step 0 has 3 features"))
        // A budget climbs the ladder given, and the page's provenance names it.
        let laddered = try rnnguard(arguments + ["--skip-bad", "--budget-ms", "500", "--ladder", "zonotope:8+mccormick,full+optimizer"])
        #expect(laddered.status == 0, "\(laddered.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("anytime ladder (zonotope:8+mccormick, full+optimizer), 500 ms"))
        let refused = try rnnguard(arguments + ["--budget-ms", "5", "--ladder", "full,window:1+forward"])
        #expect(refused.status != 0 && refused.stderr.contains("--ladder: rung 1 \"window:1+forward\" is not a bound method"), "\(refused.stderr)")
    }

    /// `demo --data` reads its file as `report` does: a bad line stops it, naming the line, before any
    /// model is certified (it used to be skipped without a word, and the mix counted the rest).
    @Test func demoDataStopsAtABadLine() throws {
        let good = "examples/data/digits-lstm.jsonl"
        let certified = try rnnguard(["demo", "--limit", "1", "--data", "digits-lstm=\(good)"])
        #expect(certified.status == 0, "\(certified.stderr)")
        #expect(certified.stdout.split(separator: "\n").contains { $0.split(separator: " ").prefix(2) == ["digits-lstm", "1"] })

        let data = FileManager.default.temporaryDirectory.appendingPathComponent("demo-cli-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: data) }
        let lines = try String(contentsOf: repositoryRoot.appendingPathComponent(good), encoding: .utf8)
            .split(separator: "\n").prefix(3)
        try ([lines[0], #"{"sequence": [[0, 1]], "label": 1"#] + lines.dropFirst()).joined(separator: "\n")
            .write(to: data, atomically: true, encoding: .utf8)
        let stopped = try rnnguard(["demo", "--limit", "1", "--data", "digits-lstm=\(data.path)"])
        #expect(stopped.status == 1 && stopped.stdout.isEmpty)
        #expect(stopped.stderr == "error: \(data.path): line 2: not JSON\n")
    }

    @Test func inspectShowsTheTensorTable() throws {
        let run = try rnnguard(["inspect", "--model", "examples/models/digits-gru-2layer"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("architecture  gru"))
        #expect(run.stdout.contains("encoder.weight_hh_l1"))
    }

    /// An imported folder is a model folder like any other: predict reads it; a refused file is one line.
    @Test func importONNXWritesAFolderThatPredictLoads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-onnx-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let imported = try rnnguard(["import-onnx", "Tests/ONNXImportTests/Fixtures/lstm.onnx", folder.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.jsonLines.first?["architecture"] as? String == "lstm")
        let run = try rnnguard(["predict", "--model", folder.path, "--input", "-"], stdin: #"{"sequence": [[1, 0, 0, 0.5]]}"#)
        #expect(run.status == 0)
        #expect((run.jsonLines.first?["logits"] as? [Double])?.count == 3)
        let refused = try rnnguard(["import-onnx", "Tests/ONNXImportTests/Fixtures/softmax.onnx", folder.path + "-softmax"])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("error: ONNX node '/Softmax' (Softmax): op Softmax is not supported"))
        #expect(refused.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// Issue 10: an HTTP client that resets its connection (SO_LINGER 0: close sends RST) before the
    /// metrics answer is written made that write raise SIGPIPE, which killed `serve`. Only the real
    /// process shows it (test threads block SIGPIPE), so this runs the binary, resets 20 connections,
    /// then checks it still runs, still answers a scrape and still stops cleanly on SIGTERM.
    @Test func serveSurvivesClientsThatResetTheMetricsConnection() throws {
        let port = try freePort()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-sigpipe-\(UUID().uuidString).yaml")
        try """
            listen: tcp://127.0.0.1:*
            metrics: 127.0.0.1:\(port)
            workers: 1
            models:
              - {name: digits-lstm, path: examples/models/digits-lstm, decide: {accept_at_or_above: 0.1, refuse_below: 0.01}}
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let process = Process()
        // The test runner ignores SIGPIPE and a child inherits that: `env --default-signal` gives serve the
        // default disposition (terminate) a service manager would, or the test could not fail.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=PIPE", binary.path, "serve", "--config", config.path, "--log-level", "error"]
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }

        // Wait for the metrics port (model loading comes first).
        var ready: Int32 = -1
        for _ in 0..<200 where ready < 0 {
            ready = connectTo(port: port)
            if ready < 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        try #require(ready >= 0, "serve did not open the metrics port")
        close(ready)

        for _ in 0..<20 {
            let fd = connectTo(port: port)
            try #require(fd >= 0, "serve stopped listening: it died")
            // Half a request head: the server's next read sees the reset, and its write after that is the
            // one that raised SIGPIPE.
            let request = Array("GET /metrics HTTP/1.1\r\n".utf8)
            _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            var reset = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            close(fd)
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 0.5)  // the server's writes to the reset connections happen meanwhile
        #expect(process.isRunning, "serve died (status \(process.isRunning ? 0 : process.terminationStatus))")

        let fd = connectTo(port: port)
        try #require(fd >= 0)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &response, response.count)
        close(fd)
        #expect(String(decoding: response.prefix(max(n, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// Issue 10: SIGTERM with 8 radius searches accepted and one worker: every one of them is answered ok
    /// before serve exits 0 (the in-process drain is tested in GuardServiceTests; this is the signal path
    /// of the real binary). No deadline: one would answer the queued ones `deadline` instead.
    @Test func sigtermUnderLoadAnswersEveryAcceptedRequest() throws {
        let (process, endpoint) = try startServe(name: "sigterm", mode: "radius")
        defer { stopServe(process) }
        let sequence = (0..<8).map { row in (0..<8).map { column in Float((row * 8 + column) % 16) / 16 } }
        let clients = try (0..<4).map { _ in try GuardClient(endpoint: endpoint, timeoutMilliseconds: 60_000) }
        var sent: Set<String> = []
        for (index, client) in clients.enumerated() {
            for n in 0..<2 {
                try client.send(GuardRequest(id: .string("s\(index)-\(n)"), op: .certify, model: "digits", sequence: sequence))
                sent.insert("s\(index)-\(n)")
            }
            // Answered by the I/O thread at once, and read after this client's certifications: its reply
            // proves the server has accepted them.
            try client.send(GuardRequest(id: .string("h\(index)"), op: .health))
        }
        var answered: [String: String] = [:]
        for (index, client) in clients.enumerated() {
            while true {
                let reply = try client.receive()
                if reply.id == .string("h\(index)") { break }
                answered[reply.id.description] = reply.code?.rawValue ?? "ok"
            }
        }
        let answeredBeforeSignal = answered.count
        process.terminate()  // SIGTERM
        for (index, client) in clients.enumerated() {
            let mine = (0..<2).map { "s\(index)-\($0)" }
            // A lost reply ends this loop by the client's timeout, and the checks below fail.
            while !mine.allSatisfy({ answered[$0] != nil }), let reply = try? client.receive() {
                answered[reply.id.description] = reply.code?.rawValue ?? "ok"
            }
        }
        process.waitUntilExit()
        #expect(answeredBeforeSignal < sent.count, "the searches finished before the signal: nothing was in flight")
        #expect(Set(answered.keys) == sent)
        #expect(answered.values.allSatisfy { $0 == "ok" }, "\(answered.filter { $0.value != "ok" })")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// Issue 10 item 4: the soak's open-loop load generator against the real server: every request is sent
    /// on schedule, every reply matched to its request by id, malformed ones answered with their codes.
    @Test func rateBenchmarkMatchesEveryReply() throws {
        let (process, endpoint) = try startServe(name: "rate")
        defer { stopServe(process) }
        let run = try rnnguard(["bench", "--server", endpoint, "--rate", "10", "--duration", "2", "--malformed-share", "0.3"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("summary: ") })
        var fields: [String: Int] = [:]
        for pair in summary.dropFirst("summary: ".count).split(separator: " ") {
            let parts = pair.split(separator: "=")
            if parts.count == 2 { fields[String(parts[0])] = Int(parts[1]) }
        }
        #expect(fields["sent"] == 20 && fields["lost"] == 0 && fields["mismatched"] == 0 && fields["unsent"] == 0, "\(summary)")
        #expect((fields["malformed"] ?? 0) > 0 && fields["malformed_answered"] == fields["malformed"], "\(summary)")
        let bad = try rnnguard(["bench", "--server", endpoint, "--rate", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--rate must lie in (0, 100000]"))
    }
}

/// `rnnguard serve` with one worker and one model, `digits` (digits-rnn-tanh, cheap to certify, no
/// deadline, certified in `mode`), on a free loopback port, once it answers `health`; stop it with
/// ``stopServe(_:)``. The policy is written to `policy` when given (kept, for a reload; the caller
/// removes it), else to a temporary file removed once the server has read it.
private func startServe(name: String, mode: String = "threshold", policy: URL? = nil) throws -> (Process, String) {
    let port = try freePort()
    let config = policy ?? FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-\(name)-\(UUID().uuidString).yaml")
    try """
        listen: tcp://127.0.0.1:\(port)
        workers: 1
        models:
          - {name: digits, path: examples/models/digits-rnn-tanh, certify: {mode: \(mode)},
             decide: {accept_at_or_above: 0.1, refuse_below: 0.01}}
        """.write(to: config, atomically: true, encoding: .utf8)
    // serve has read it once it answers; only a reload reads it again.
    defer { if policy == nil { try? FileManager.default.removeItem(at: config) } }
    let process = Process()
    process.executableURL = binary
    process.arguments = ["serve", "--config", config.path, "--log-level", "error"]
    process.currentDirectoryURL = repositoryRoot
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let endpoint = "tcp://127.0.0.1:\(port)"
    var ready = false
    for _ in 0..<100 where !ready && process.isRunning {
        // A fresh client per try: a timed-out request's late reply must not be read as the next one's.
        ready = (try? GuardClient(endpoint: endpoint, timeoutMilliseconds: 200).health().isOK) == true
    }
    if !ready { stopServe(process) }
    try #require(ready, "serve did not answer health")
    return (process, endpoint)
}

/// Ends a `serve` the test left running (SIGTERM, then waits).
private func stopServe(_ process: Process) {
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
}

/// A TCP connection to 127.0.0.1:`port`, or -1.
private func connectTo(port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if connected != 0 { close(fd); return -1 }
    return fd
}

/// A loopback port that was free a moment ago (the kernel's pick for port 0).
func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(bound)
    return UInt16(bigEndian: addr.sin_port)
}
