import Foundation
import SequenceModels

/// The result of an import: the manifest and the tensors of a model folder, under PyTorch's names.
public struct ImportedClassifier: Sendable {
    public let manifest: ModelManifest
    /// The ONNX file's name, written into model.json as the exporter's own key `imported_from`.
    public let source: String
    public let tensors: [SafeTensorsWriter.Tensor]

    /// model.json: the manifest's keys and `imported_from`.
    private struct ManifestFile: Encodable {
        let manifest: ModelManifest
        let importedFrom: String

        enum CodingKeys: String, CodingKey { case importedFrom = "imported_from" }

        func encode(to encoder: any Encoder) throws {
            try manifest.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(importedFrom, forKey: .importedFrom)
        }
    }

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
            json = try encoder.encode(ManifestFile(manifest: manifest, importedFrom: source)) + Data("\n".utf8)
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
