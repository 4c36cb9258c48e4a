import ArgumentParser
import Foundation
import SequenceModels

/// `rnnguard predict`: logits and probabilities for one input or a JSON-lines file of inputs.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify inputs with a model folder.")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "JSON input file ({\"sequence\"|\"tokens\"|\"text\": ...}) or JSON lines; - for stdin.")
    var input: String

    struct Output: Encodable {
        let label: Int
        let labelName: String?
        let logits: [Double]
        let probabilities: [Double]
        enum CodingKeys: String, CodingKey {
            case label, logits, probabilities
            case labelName = "label_name"
        }
    }

    func run() throws {
        let classifier = try model.load()
        try InputFile.forEach(in: input) { item in
            let prediction = try classifier.predict(classifier.sequence(for: item))
            try JSONOutput.line(Output(label: prediction.label, labelName: prediction.labelName,
                                       logits: prediction.logits, probabilities: prediction.probabilities))
        }
    }
}
