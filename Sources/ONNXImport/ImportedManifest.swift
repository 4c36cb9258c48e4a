import SequenceModels

/// The model.json an import writes (docs/model-format.md). Encoded here rather than through
/// `ModelManifest`, which reads the original keys only; every key below is documented in that page.
public struct ImportedManifest: Encodable, Equatable, Sendable {
    /// One `head` entry: a linear layer's tensor prefix and the activation after it.
    public struct HeadLayer: Encodable, Equatable, Sendable {
        public let prefix: String
        public let activation: HeadActivation?
    }

    public let architecture: Architecture
    public let nonlinearity: RNNNonlinearity?
    public let inputSize: Int
    public let hiddenSize: Int
    public let numLayers: Int
    public let numClasses: Int
    public let rnnPrefix: String
    public let bidirectional: Bool
    public let pooling: Pooling
    /// The single linear head's prefix (the original format, which every loader reads); nil for an MLP.
    public let headPrefix: String?
    /// The MLP head; nil for a single linear layer.
    public let head: [HeadLayer]?
    public let embedding: String?
    /// An exporter's own key: the ONNX file this folder came from.
    public let importedFrom: String

    enum CodingKeys: String, CodingKey {
        case architecture, nonlinearity, bidirectional, pooling, head, embedding
        case inputSize = "input_size"
        case hiddenSize = "hidden_size"
        case numLayers = "num_layers"
        case numClasses = "num_classes"
        case rnnPrefix = "rnn_prefix"
        case headPrefix = "head_prefix"
        case importedFrom = "imported_from"
    }
}
