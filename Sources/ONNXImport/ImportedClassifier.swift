import Foundation
import SequenceModels

/// The result of an import: the manifest and the tensors of a model folder, under PyTorch's names.
public struct ImportedClassifier: Sendable {
    public let manifest: ImportedManifest
    public let tensors: [SafeTensorsWriter.Tensor]

    /// Writes `model.json` and `model.safetensors` into `folder`, creating it if needed.
    public func write(to folder: URL) throws(ONNXImportError) {
        let weights: Data, json: Data
        do {
            weights = try SafeTensorsWriter.f32(tensors, metadata: ["format": "pt"])
        } catch {
            throw .cannotWrite(path: folder.appendingPathComponent("model.safetensors").path, reason: error.description)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            json = try encoder.encode(manifest) + Data("\n".utf8)
        } catch {
            throw .cannotWrite(path: folder.appendingPathComponent("model.json").path, reason: "\(error)")
        }
        for (name, bytes) in [("model.safetensors", weights), ("model.json", json)] {
            let url = folder.appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try bytes.write(to: url, options: .atomic)
            } catch {
                throw .cannotWrite(path: url.path, reason: error.localizedDescription)
            }
        }
    }
}
