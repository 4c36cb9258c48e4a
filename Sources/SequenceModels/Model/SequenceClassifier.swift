import Foundation

/// A PyTorch recurrent classifier: optional embedding, stacked RNN/LSTM/GRU layers, a linear head on the
/// top layer's last hidden state. Immutable and `Sendable`, so worker threads share one instance.
public struct SequenceClassifier: Sendable {
    public let manifest: ModelManifest
    public let embedding: Embedding?
    public let vocabulary: Vocabulary?
    public let layers: [RecurrentLayer]
    public let head: LinearHead

    public init(manifest: ModelManifest, embedding: Embedding?, vocabulary: Vocabulary?,
                layers: [RecurrentLayer], head: LinearHead) {
        self.manifest = manifest
        self.embedding = embedding
        self.vocabulary = vocabulary
        self.layers = layers
        self.head = head
    }

    public var inputSize: Int { manifest.inputSize }
    public var numClasses: Int { manifest.numClasses }

    /// Turns any accepted input into the feature sequence the recurrent layers read, checking it on the way.
    public func sequence(for input: ModelInput) throws(ModelError) -> [[Double]] {
        switch input {
        case .sequence(let sequence):
            try validate(sequence)
            return sequence
        case .tokens(let tokens):
            guard let embedding else { throw .noEmbedding }
            return try embedding.embed(tokens)
        case .text(let text):
            guard let vocabulary, let embedding else { throw .noVocabulary }
            return try embedding.embed(vocabulary.encode(text))
        }
    }

    /// Rejects empty sequences, steps of the wrong width and non-finite values.
    public func validate(_ sequence: [[Double]]) throws(ModelError) {
        guard !sequence.isEmpty else { throw .emptySequence }
        for (t, frame) in sequence.enumerated() {
            guard frame.count == inputSize else {
                throw .wrongFeatureCount(step: t, expected: inputSize, found: frame.count)
            }
            if let bad = frame.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(step: t, feature: bad) }
        }
    }

    /// Runs every layer over a validated sequence and keeps every intermediate value.
    public func trace(_ sequence: [[Double]]) -> ForwardTrace {
        var inputs = sequence
        var records: [[StepRecord]] = []
        for layer in layers {
            var state = CellState.zero(for: layer)
            var layerRecords: [StepRecord] = []
            layerRecords.reserveCapacity(inputs.count)
            for x in inputs {
                let record = layer.step(x, from: state)
                state = record.state
                layerRecords.append(record)
            }
            records.append(layerRecords)
            inputs = layerRecords.map(\.state.hidden)
        }
        return ForwardTrace(layers: records, logits: head(inputs[inputs.count - 1]))
    }

    /// The logits for a feature sequence.
    public func logits(_ sequence: [[Double]]) throws(ModelError) -> [Double] {
        try validate(sequence)
        return trace(sequence).logits
    }

    public func predict(_ sequence: [[Double]]) throws(ModelError) -> Prediction {
        Prediction(logits: try logits(sequence), labels: manifest.labels)
    }

    /// The total number of parameters, as PyTorch counts them (absent biases are not counted).
    public var parameterCount: Int {
        let recurrent = layers.reduce(0) { $0 + $1.weightIH.storage.count + $1.weightHH.storage.count }
        return recurrent + head.weight.storage.count + head.bias.count + (embedding?.table.storage.count ?? 0)
    }
}
