import ArgumentParser
import Foundation
import SequenceModels

/// `--model DIR`, loaded with a one-line error on failure.
struct ModelOption: ParsableArguments {
    @Option(name: .long, help: "Model folder (model.json + model.safetensors).")
    var model: String

    func load() throws -> SequenceClassifier {
        do {
            return try SequenceClassifier(contentsOf: URL(fileURLWithPath: model))
        } catch {
            JSONOutput.error(error.description)
            throw ExitCode(2)
        }
    }
}
