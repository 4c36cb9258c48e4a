import Foundation

/// The recurrent architectures rnnguard runs, named as in `model.json`.
public enum Architecture: String, Codable, Sendable {
    case rnn, lstm, gru
}

/// The activation of a vanilla RNN (PyTorch's `nonlinearity`).
public enum RNNNonlinearity: String, Codable, Sendable {
    case tanh, relu
}

/// `model.json`: what the safetensors file holds and how to read it. Unknown keys are ignored, so an
/// exporter may add its own (accuracy, feature statistics).
public struct ModelManifest: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var nonlinearity: RNNNonlinearity?
    public var inputSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numClasses: Int
    public var rnnPrefix: String
    public var headPrefix: String
    /// Name of the embedding tensor (vocabulary x input_size), for token models.
    public var embedding: String?
    /// File name, in the model folder, of a JSON list of tokens (index = token id).
    public var vocab: String?
    /// The token that unknown words map to; `<unk>` when absent.
    public var unknownToken: String?
    public var labels: [String]?

    enum CodingKeys: String, CodingKey {
        case architecture, nonlinearity, embedding, vocab, labels
        case inputSize = "input_size"
        case hiddenSize = "hidden_size"
        case numLayers = "num_layers"
        case numClasses = "num_classes"
        case rnnPrefix = "rnn_prefix"
        case headPrefix = "head_prefix"
        case unknownToken = "unknown_token"
    }

    public init(architecture: Architecture, nonlinearity: RNNNonlinearity?, inputSize: Int, hiddenSize: Int,
                numLayers: Int, numClasses: Int, rnnPrefix: String, headPrefix: String, embedding: String? = nil,
                vocab: String? = nil, unknownToken: String? = nil, labels: [String]? = nil) {
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
    }

    public init(contentsOf url: URL) throws(ModelError) {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw .cannotRead(path: url.path, reason: "file not found or unreadable")
        }
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
    }
}
