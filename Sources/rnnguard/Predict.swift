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
        let entries: [InputFile.Entry]
        do { entries = try InputFile.read(input) } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        var failures = 0
        for entry in entries {
            do {
                let sequence = try classifier.sequence(for: entry.input.get())
                let prediction = try classifier.predict(sequence)
                try JSONOutput.line(Output(label: prediction.label, labelName: prediction.labelName,
                                           logits: prediction.logits, probabilities: prediction.probabilities))
            } catch {
                failures += 1
                let prefix = entries.count > 1 ? "line \(entry.line): " : ""
                JSONOutput.error(prefix + "\(error)")
                if entries.count > 1 { try JSONOutput.line(["error": prefix + "\(error)"]) }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
