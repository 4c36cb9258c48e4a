import Foundation
import SequenceModels

/// The inputs a certification benchmark runs on: a model folder's inputs.json, or its held-out lines.
enum BenchInputs {
    static func sequences(in folder: URL, model: SequenceClassifier, heldOut: Bool) throws -> [[[Double]]] {
        struct Recorded: Decodable, Equatable {
            let sequence: [[Double]]?
            let tokens: [Int]?
        }
        var recorded = try JSONDecoder().decode([Recorded].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        if heldOut {
            // inputs.json holds some of the held-out lines (those the model classifies right): leave those out,
            // so what is calibrated on inputs.json is measured on other inputs.
            let calibration = recorded
            recorded = try Data(contentsOf: folder.appendingPathComponent("heldout.jsonl")).split(separator: UInt8(ascii: "\n"))
                .map { try JSONDecoder().decode(Recorded.self, from: Data($0)) }
                .filter { !calibration.contains($0) }
        }
        return try recorded.map { try model.sequence(for: $0.sequence.map(ModelInput.sequence) ?? .tokens($0.tokens ?? [])) }
    }
}

/// A model folder as plain `rnnguard bench` measures it, loaded once: its model, the sequences of its
/// inputs.json, and the workload its size stands for (`Workload.matching`, by the length of its first
/// input; nil for any other size, which gets only the speed-and-tightness row).
struct BenchFolder {
    let url: URL
    let model: SequenceClassifier
    let sequences: [[[Double]]]
    let workload: Workload?

    init(url: URL) throws {
        let model = try SequenceClassifier(contentsOf: url)
        let sequences = try BenchInputs.sequences(in: url, model: model, heldOut: false)
        (self.url, self.model, self.sequences) = (url, model, sequences)
        workload = sequences.first.flatMap { Workload.matching(model.manifest, steps: $0.count) }
    }

    /// The original POPQORN's radii for the folder's inputs, where a fixture has them.
    var referenceURL: URL { url.appendingPathComponent("reference.json") }
    var hasPOPQORNReference: Bool { FileManager.default.fileExists(atPath: referenceURL.path) }
}
