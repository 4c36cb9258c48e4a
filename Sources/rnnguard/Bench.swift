import ArgumentParser
import Foundation
import POPQORN
import SequenceModels

/// `rnnguard bench`: certifier speed and tightness on model folders, or (with --server) the load a running
/// sidecar takes. Figures are medians over inputs, to compare run to run on a noisy machine. A folder whose
/// model has one of issue 11's workload sizes gets that targets table (`TargetBenchmark`) instead
/// of the speed-and-tightness row.
struct Bench: ParsableCommand, BenchFigures {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark certification (release build, one core) or a running sidecar (--server).")

    @Option(name: .long, parsing: .upToNextOption, help: "Model folders (default: the shared fixtures and the bundled examples).")
    var models: [String] = []
    @Option(name: .long, help: "Inputs per model (from its inputs.json).")
    var inputs: Int = 5
    @Option(name: .long, parsing: .upToNextOption, help: "Norms to measure.")
    var norms: [String] = ["2", "inf", "1"]
    @Option(name: .long, help: "Drive the sidecar at this endpoint instead (e.g. tcp://127.0.0.1:5555).")
    var server: String?
    @Option(name: .long, help: "With --server: client sockets.")
    var clients: Int = 4
    @Option(name: .long, help: "With --server: requests per client and op.")
    var requests: Int = 200
    @Option(name: .long, help: "With --server: the model to request (default: the first one served).")
    var model: String?
    @Option(name: .long, help: "With --server: open-loop load at this many requests per second in all (certify, threshold mode), instead of the closed-loop phases.")
    var rate: Double?
    @Option(name: .long, help: "With --rate: seconds to send for.")
    var duration: Double = 60
    @Option(name: .long, help: "With --rate: share of malformed requests, 0 to 1; each must get its error code.")
    var malformedShare: Double = 0
    @Flag(name: .long, help: "Compare the bound methods and the anytime ladder per model (first norm only).")
    var methods = false
    @Option(name: .long, parsing: .upToNextOption, help: "With --methods: the anytime ladder's budget in milliseconds, one for every model or one per model.")
    var budgetMs: [Double] = [10]
    @Option(name: .long, parsing: .upToNextOption, help: "With --methods: also decide with this climb margin (the policy's decide.climb_margin), one for every model or one per model.")
    var climbMargin: [Double] = []
    @Option(name: .long, parsing: .upToNextOption, help: "With --methods: take this typical radius (one per model) instead of the full radius searches, and measure only the decisions.")
    var typicalRadius: [Double] = []
    @Flag(name: .long, help: "With --methods: take the inputs from each model folder's heldout.jsonl that its inputs.json does not hold.")
    var heldOut = false
    @Option(name: .long, parsing: .upToNextOption, help: "With --methods: also run this certifier ladder (RUNG,RUNG,..., cheapest first, as the rows name them) beside the standard one, one for every model or one per model.")
    var ladder: [String] = []
    @Flag(name: .long, help: "Search every full radius of the targets table, even where the model folder's full-radii.json matches.")
    var liveFull = false
    @Flag(name: .long, help: "Write the full radii the targets table searched to each model folder's full-radii.json.")
    var saveFullRadii = false
    @Option(name: .long, help: "Cores one certificate may use (default 1: the one-core figures; 2 or more lets a large backward pass split its rows over idle cores).")
    var cores: Int = 1

    func validate() throws {
        guard let rate else { return }
        guard server != nil else { throw ValidationError("--rate needs --server") }
        do {
            try RateBenchmark.validate(rate: rate, seconds: duration, malformedShare: malformedShare, clients: clients)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        guard (1...1024).contains(cores) else { throw ValidationError("--cores must lie in 1...1024") }
        guard (1...100_000).contains(inputs) else { throw ValidationError("--inputs must lie in 1...100000") }
        ComputeCores.shared.limit(to: cores)
        if let server, let rate {
            print(try RateBenchmark(endpoint: server, rate: rate, seconds: duration, malformedShare: malformedShare,
                                    clients: clients, model: model).run())
            return
        }
        if let server {
            print(try runLoadBenchmark(endpoint: server, clients: clients, requests: requests, model: model))
            return
        }
        let folders = models.isEmpty ? Self.defaultFolders() : models
        if methods {
            guard let norm = norms.first.flatMap(Norm.init(argument:)) else { throw ValidationError("unknown norm") }
            guard !budgetMs.isEmpty, budgetMs.allSatisfy({ $0 > 0 && $0 <= 86_400_000 }) else {
                throw ValidationError("--budget-ms must lie in (0, 86400000]")
            }
            guard climbMargin.allSatisfy((0...1_000_000).contains) else { throw ValidationError("--climb-margin must lie in [0, 1000000]") }
            guard typicalRadius.allSatisfy({ $0 > 0 && $0 <= 1000 }), typicalRadius.isEmpty || typicalRadius.count == folders.count else {
                throw ValidationError("--typical-radius takes one radius in (0, 1000] per model")
            }
            guard ladder.count <= 1 || ladder.count == folders.count else {
                throw ValidationError("--ladder takes one ladder for every model or one per model")
            }
            let ladders = try ladder.map { try LadderArgument(text: $0).rungs() }
            print("dgemm on one thread: \(format(GEMMThroughput.measure(size: 64), 1)) GFLOP/s at n=64, \(format(GEMMThroughput.measure(size: 256), 1)) GFLOP/s at n=256")
            try MethodBenchmark(folders: folders, inputs: inputs, norm: norm, budgetsMs: budgetMs, climbMargins: climbMargin,
                                typicalRadii: typicalRadius, heldOut: heldOut, ladders: ladders).run()
            return
        }
        // Each folder is loaded once. A workload-sized model goes to the targets table; every other model,
        // and a fixture with the original POPQORN's radii beside it (reference.json: `../shared`'s digits
        // RNN has W1's size), to the speed-and-tightness table, which compares with them.
        let loaded = try folders.map { try BenchFolder(url: URL(fileURLWithPath: $0)) }
        let workloads = loaded.filter { $0.workload != nil }
        let others = loaded.filter { $0.workload == nil || $0.hasPOPQORNReference }
        let gemmSmall = GEMMThroughput.measure(size: 64)
        let gemmLarge = GEMMThroughput.measure(size: 256)
        print("dgemm on one thread: \(format(gemmSmall, 1)) GFLOP/s at n=64, \(format(gemmLarge, 1)) GFLOP/s at n=256")
        if !others.isEmpty {
            print("fast: POPQORN's fixed relaxations; tight: with the margin optimizer (the default of certify and serve)")
            print("predict: median time of one forward pass; computations/search: bound computations per tight search")
            print(["model", "norm", "predict us", "check ms", "fast search", "tight search", "computations", "fast/POPQORN", "tight/POPQORN", "speed-up", "pass GFLOP/s"]
                .map { $0.padding(toLength: max(15, $0.count + 1), withPad: " ", startingAt: 0) }.joined())
            for folder in others {
                try bench(folder)
            }
        }
        if !workloads.isEmpty {
            try TargetBenchmark(folders: workloads, inputs: inputs, liveFull: liveFull, saveFullRadii: saveFullRadii).run()
        }
        print("each bound method, the anytime ladder's radius within a budget and the threshold decisions per model "
            + "(docs/performance.md): add --methods [--budget-ms MS...] [--norms inf]")
    }

    static func defaultFolders() -> [String] {
        let candidates = ["../shared/fixtures/rnn_digits", "../shared/fixtures/lstm_digits", "../shared/fixtures/gru_digits",
                          "examples/models/digits-lstm", "examples/models/speech-gru", "examples/models/news-lstm"]
        return candidates.filter { FileManager.default.fileExists(atPath: $0 + "/inputs.json") }
    }

    private struct Reference: Decodable {
        struct Result: Decodable {
            let radius: [String: Double]
            let seconds: [String: Double]?
        }
        let results: [Result]
    }

    private func bench(_ folder: BenchFolder) throws {
        let classifier = folder.model
        let reference = try? JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.referenceURL))
        let tight = Certifier(model: classifier)
        let fast = Certifier(model: classifier, marginIterations: 0)
        let clock = ContinuousClock()
        for normName in norms {
            guard let norm = Norm(argument: normName) else { throw ValidationError("unknown norm \(normName)") }
            var checkTimes: [Double] = [], fastTimes: [Double] = [], tightTimes: [Double] = [], computations: [Double] = []
            var fastRatios: [Double] = [], tightRatios: [Double] = [], speedUps: [Double] = []
            var flops = 0.0, passSeconds = 0.0, predictTimes: [Double] = []
            for (index, sequence) in folder.sequences.prefix(inputs).enumerated() {
                let label = try classifier.predict(sequence).label
                for _ in 0..<20 {
                    let start = clock.now
                    _ = try classifier.predict(sequence)
                    predictTimes.append((clock.now - start).seconds)
                }
                let perturbation = Perturbation(norm: norm)
                var start = clock.now
                let fastSearch = try fast.radius(sequence, label: label, perturbation: perturbation)
                fastTimes.append((clock.now - start).seconds)
                flops += Double(fastSearch.flops)
                passSeconds += fastTimes.last!
                start = clock.now
                let tightSearch = try tight.radius(sequence, label: label, perturbation: perturbation)
                tightTimes.append((clock.now - start).seconds)
                computations.append(Double(tightSearch.boundComputations))
                start = clock.now
                _ = try tight.check(sequence, label: label, perturbation: perturbation, epsilon: tightSearch.radius / 2)
                checkTimes.append((clock.now - start).seconds)
                if let result = reference?.results[safe: index], let popqorn = result.radius[norm.rawValue], popqorn > 0 {
                    fastRatios.append(fastSearch.radius / popqorn)
                    tightRatios.append(tightSearch.radius / popqorn)
                    if let seconds = result.seconds?[norm.rawValue] { speedUps.append(seconds / tightTimes.last!) }
                }
            }
            func mean(_ values: [Double]) -> String { values.isEmpty ? "-" : format(values.reduce(0, +) / Double(values.count), 3) }
            let row = [folder.url.lastPathComponent, norm.rawValue, format(median(predictTimes) * 1e6, 1), format(median(checkTimes) * 1000, 2),
                       format(median(fastTimes) * 1000, 1) + " ms", format(median(tightTimes) * 1000, 1) + " ms",
                       format(median(computations), 0), mean(fastRatios), mean(tightRatios),
                       speedUps.isEmpty ? "-" : format(median(speedUps), 0) + "x",
                       format(flops / passSeconds / 1e9, 2)]
            print(row.map { $0.padding(toLength: max(15, $0.count + 1), withPad: " ", startingAt: 0) }.joined())
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
