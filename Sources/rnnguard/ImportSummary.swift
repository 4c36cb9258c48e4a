/// The line `import-onnx` prints: what the written folder holds.
struct ImportSummary: Encodable {
    let folder: String
    let architecture: String
    let layers: Int
    let bidirectional: Bool
    let pooling: String
    let headLayers: Int
    let tensors: Int

    enum CodingKeys: String, CodingKey {
        case folder, architecture, layers, bidirectional, pooling, tensors
        case headLayers = "head_layers"
    }
}
