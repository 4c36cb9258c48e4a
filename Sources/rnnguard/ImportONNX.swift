import ArgumentParser
import Foundation
import ONNXImport

/// `rnnguard import-onnx`: an ONNX file exported from PyTorch to a model folder.
struct ImportONNX: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-onnx",
        abstract: "Convert an ONNX classifier (from torch.onnx.export) into a model folder (model.json + model.safetensors).")

    @Argument(help: "The ONNX file.")
    var onnx: String

    @Argument(help: "The model folder to write (created if needed).")
    var output: String

    func run() throws {
        do {
            let imported = try ONNXImporter.read(contentsOf: URL(fileURLWithPath: onnx))
            try imported.write(to: URL(fileURLWithPath: output))
            let manifest = imported.manifest
            try JSONOutput.line(ImportSummary(folder: output, architecture: manifest.architecture.rawValue,
                                              layers: manifest.numLayers, bidirectional: manifest.isBidirectional,
                                              pooling: (manifest.pooling ?? .last).rawValue, headLayers: manifest.headLayers.count,
                                              tensors: imported.tensors.count))
        } catch let error as ONNXImportError {
            JSONOutput.error(error.description)
            throw ExitCode(2)
        }
    }
}
