import ArgumentParser
import Foundation
import SequenceModels

/// `rnnguard inspect`: what a model folder holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's architecture, parameter count and tensors.")

    @OptionGroup var model: ModelOption

    func run() throws {
        let classifier = try model.load()
        let manifest = classifier.manifest
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model.model).appendingPathComponent("model.safetensors"))
        var lines = [
            "architecture  \(manifest.architecture.rawValue)" + (manifest.architecture == .rnn ? " (\((manifest.nonlinearity ?? .tanh).rawValue))" : ""),
            "layers        \(manifest.numLayers) x hidden \(manifest.hiddenSize)" + (manifest.isBidirectional ? ", bidirectional" : ""),
            "head          \((manifest.pooling ?? .last).rawValue) over time, then "
                + classifier.head.layers.map { "\($0.weight.columns)->\($0.weight.rows)" + ($0.activation.map { " \($0.name)" } ?? "") }
                    .joined(separator: ", "),
            "input size    \(manifest.inputSize)" + (classifier.embedding.map { " (embedding of \($0.vocabularySize) tokens)" } ?? ""),
            "classes       \(manifest.numClasses)" + (manifest.labels.map { ": " + $0.joined(separator: ", ") } ?? ""),
            "parameters    \(classifier.parameterCount)",
            "",
            "tensor".padding(toLength: 28, withPad: " ", startingAt: 0) + "dtype  shape",
        ]
        for (name, info) in file.tensors.sorted(by: { $0.key < $1.key }) {
            lines.append(name.padding(toLength: 28, withPad: " ", startingAt: 0)
                         + info.dtype.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                         + info.shape.map(String.init).joined(separator: " x "))
        }
        print(lines.joined(separator: "\n"))
    }
}
