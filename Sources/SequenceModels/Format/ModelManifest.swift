import Foundation

/// The recurrent architectures rnnguard runs, named as in `model.json`.
public enum Architecture: String, Codable, Sendable {
    case rnn, lstm, gru
}

/// The activation of a vanilla RNN (PyTorch's `nonlinearity`).
public enum RNNNonlinearity: String, Codable, Sendable {
    case tanh, relu
}

/// How the top layer's outputs over time become the head's input (`pooling` in `model.json`).
public enum Pooling: String, Codable, Sendable {
    /// The last step (bidirectional: the forward direction's last step and the backward one's first).
    case last
    case mean
    case max
}

/// An activation between the layers of an MLP head.
public enum HeadActivation: String, Codable, Sendable {
    case relu, tanh

    public var function: any ElementwiseFunction.Type {
        switch self {
        case .relu: return ReLU.self
        case .tanh: return Tanh.self
        }
    }
}

/// One `nn.Linear` of an MLP head, and the activation applied after it.
public struct HeadLayerSpec: Codable, Sendable, Equatable {
    public var prefix: String
    public var activation: HeadActivation?

    public init(prefix: String, activation: HeadActivation? = nil) {
        self.prefix = prefix
        self.activation = activation
    }
}

/// `model.json`: what the safetensors file holds and how to read it (docs/model-format.md). Unknown keys
/// are ignored, so an exporter may add its own (accuracy, feature statistics).
public struct ModelManifest: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var nonlinearity: RNNNonlinearity?
    public var inputSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numClasses: Int
    public var rnnPrefix: String
    /// The single linear head (the original format); `head` replaces it for MLP heads.
    public var headPrefix: String?
    public var bidirectional: Bool?
    public var pooling: Pooling?
    /// An MLP head, input side first.
    public var head: [HeadLayerSpec]?
    /// Name of the embedding tensor (vocabulary x input_size), for token models.
    public var embedding: String?
    /// File name, in the model folder, of a JSON list of tokens (index = token id).
    public var vocab: String?
    /// The token that unknown words map to; `<unk>` when absent.
    public var unknownToken: String?
    public var labels: [String]?

    enum CodingKeys: String, CodingKey {
        case architecture, nonlinearity, embedding, vocab, labels, bidirectional, pooling, head
        case inputSize = "input_size"
        case hiddenSize = "hidden_size"
        case numLayers = "num_layers"
        case numClasses = "num_classes"
        case rnnPrefix = "rnn_prefix"
        case headPrefix = "head_prefix"
        case unknownToken = "unknown_token"
    }

    public init(architecture: Architecture, nonlinearity: RNNNonlinearity?, inputSize: Int, hiddenSize: Int,
                numLayers: Int, numClasses: Int, rnnPrefix: String, headPrefix: String?, embedding: String? = nil,
                vocab: String? = nil, unknownToken: String? = nil, labels: [String]? = nil, bidirectional: Bool? = nil,
                pooling: Pooling? = nil, head: [HeadLayerSpec]? = nil) {
        self.architecture = architecture
        self.nonlinearity = nonlinearity
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numClasses = numClasses
        self.rnnPrefix = rnnPrefix
        self.headPrefix = headPrefix
        self.embedding = embedding
        self.vocab = vocab
        self.unknownToken = unknownToken
        self.labels = labels
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.head = head
    }

    /// The head's layers: `head`, or the single linear `head_prefix`.
    public var headLayers: [HeadLayerSpec] {
        head ?? headPrefix.map { [HeadLayerSpec(prefix: $0)] } ?? []
    }

    public var isBidirectional: Bool { bidirectional ?? false }

    public init(contentsOf url: URL) throws(ModelError) {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw .cannotRead(path: url.path, reason: "file not found or unreadable")
        }
        try self.init(data: bytes)
    }

    /// Decodes and validates `model.json` bytes (the fuzz target `FuzzManifest` calls this directly).
    public init(data bytes: Data) throws(ModelError) {
        do {
            self = try JSONDecoder().decode(ModelManifest.self, from: bytes)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidManifest("missing key \(key.stringValue)")
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidManifest(context.codingPath.isEmpty ? "not valid JSON"
                                   : "bad value for \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidManifest("wrong type for \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .invalidManifest("\(error)")
        }
        try validate()
    }

    /// Largest size in a manifest. Loading multiplies sizes (gates x hidden_size, rows x columns); below
    /// 2^24 each, every such product stays far from Int overflow, and the tensors must still be in the file.
    public static let maxSize = 1 << 24

    /// Sizes must be in 1...maxSize; `nonlinearity` belongs to vanilla RNNs only (absent means tanh, as in PyTorch).
    func validate() throws(ModelError) {
        for (key, value) in [("input_size", inputSize), ("hidden_size", hiddenSize),
                             ("num_layers", numLayers), ("num_classes", numClasses)] where !(1...Self.maxSize).contains(value) {
            throw .invalidManifest("\(key) must be >= 1 and <= \(Self.maxSize), found \(value)")
        }
        if nonlinearity == .relu && architecture != .rnn {
            throw .invalidManifest("nonlinearity relu is only valid for architecture rnn")
        }
        if headLayers.isEmpty { throw .invalidManifest("give head_prefix or a non-empty head") }
        if head != nil && headPrefix != nil { throw .invalidManifest("give head_prefix or head, not both") }
        if headLayers.count > 64 { throw .invalidManifest("head has \(headLayers.count) layers; at most 64 are supported") }
        if headLayers.last?.activation != nil { throw .invalidManifest("the head's last layer outputs the logits and takes no activation") }
    }
}
