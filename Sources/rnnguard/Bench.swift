import ArgumentParser
import Foundation
import POPQORN
import SequenceModels

/// `rnnguard bench`: certifier speed and tightness on model folders, or (with --server) the load a running
/// sidecar takes. Figures are medians over inputs, to compare run to run on a noisy machine.
struct Bench: ParsableCommand {
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

    func run() throws {
        if let server {
            print(try runLoadBenchmark(endpoint: server, clients: clients, requests: requests, model: model))
            return
        }
        let folders = models.isEmpty ? Self.defaultFolders() : models
        let gemmSmall = GEMMThroughput.measure(size: 64)
        let gemmLarge = GEMMThroughput.measure(size: 256)
        print("dgemm on one thread: \(format(gemmSmall, 1)) GFLOP/s at n=64, \(format(gemmLarge, 1)) GFLOP/s at n=256")
        print(["model", "norm", "check ms", "search ms", "passes/search", "radius/POPQORN", "speed-up", "pass GFLOP/s"]
            .map { $0.padding(toLength: 15, withPad: " ", startingAt: 0) }.joined())
        for folder in folders {
            try bench(folder: URL(fileURLWithPath: folder))
        }
    }

    static func defaultFolders() -> [String] {
        let candidates = ["../shared/fixtures/rnn_digits", "../shared/fixtures/lstm_digits", "../shared/fixtures/gru_digits",
                          "examples/models/digits-lstm", "examples/models/speech-gru", "examples/models/news-lstm"]
        return candidates.filter { FileManager.default.fileExists(atPath: $0 + "/inputs.json") }
    }

    private struct Recorded: Decodable {
        let sequence: [[Double]]?
        let tokens: [Int]?
    }

    private struct Reference: Decodable {
        struct Result: Decodable {
            let radius: [String: Double]
            let seconds: [String: Double]?
        }
        let results: [Result]
    }

    private func bench(folder: URL) throws {
        let classifier = try SequenceClassifier(contentsOf: folder)
        let recorded = try JSONDecoder().decode([Recorded].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        let reference = try? JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let certifier = Certifier(model: classifier)
        let clock = ContinuousClock()
        for normName in norms {
            guard let norm = Norm(argument: normName) else { throw ValidationError("unknown norm \(normName)") }
            var checkTimes: [Double] = [], searchTimes: [Double] = [], computations: [Double] = []
            var ratios: [Double] = [], speedUps: [Double] = [], flops = 0.0, passSeconds = 0.0
            for (index, item) in recorded.prefix(inputs).enumerated() {
                let sequence = try classifier.sequence(for: item.sequence.map(ModelInput.sequence) ?? .tokens(item.tokens ?? []))
                let label = try classifier.predict(sequence).label
                let perturbation = Perturbation(norm: norm)
                var start = clock.now
                let search = try certifier.radius(sequence, label: label, perturbation: perturbation)
                let searchTime = (clock.now - start).seconds
                start = clock.now
                _ = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: search.radius / 2)
                checkTimes.append((clock.now - start).seconds)
                searchTimes.append(searchTime)
                computations.append(Double(search.boundComputations))
                flops += Double(search.flops)
                passSeconds += searchTime
                if let result = reference?.results[safe: index], let popqorn = result.radius[norm.rawValue], popqorn > 0 {
                    ratios.append(search.radius / popqorn)
                    if let seconds = result.seconds?[norm.rawValue] { speedUps.append(seconds / searchTime) }
                }
            }
            let row = [folder.lastPathComponent, norm.rawValue, format(median(checkTimes) * 1000, 2),
                       format(median(searchTimes) * 1000, 1), format(median(computations), 0),
                       ratios.isEmpty ? "-" : format(ratios.reduce(0, +) / Double(ratios.count), 3),
                       speedUps.isEmpty ? "-" : format(median(speedUps), 0) + "x",
                       format(flops / passSeconds / 1e9, 2)]
            print(row.map { $0.padding(toLength: 15, withPad: " ", startingAt: 0) }.joined())
        }
    }

    private func median(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.sorted()[values.count / 2]
    }

    private func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
