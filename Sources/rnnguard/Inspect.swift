import ArgumentParser
import Foundation
import SequenceModels

/// `rnnguard inspect`: what a model folder holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's architecture, parameter count and tensors.")

    @OptionGroup var model: ModelOption

    func run() throws {
        let classifier = try model.load()
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model.model).appendingPathComponent("model.safetensors"))
        var lines = classifier.summary.map { $0.key.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.value }
        lines += [
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
