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
