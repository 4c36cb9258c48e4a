import Foundation

/// A PyTorch recurrent classifier: optional embedding, stacked RNN/LSTM/GRU layers, a linear head on the
/// top layer's last hidden state. Immutable and `Sendable`, so worker threads share one instance.
public struct SequenceClassifier: Sendable {
    public let manifest: ModelManifest
    public let embedding: Embedding?
    public let vocabulary: Vocabulary?
    /// The recurrent layers, bottom first (forward direction).
    public let layers: [RecurrentLayer]
    /// The backward direction of each layer of a bidirectional model; empty otherwise.
    public let reverseLayers: [RecurrentLayer]
    public let head: ClassifierHead
    /// Each layer's step equations (forward, and backward when bidirectional), built once from its weights.
    let cells: [(forward: any RecurrentCell, backward: (any RecurrentCell)?)]
    let unrolledGraphs = UnrolledGraphCache()

    /// `reverseLayers` must be empty or match `layers` one for one.
    public init(manifest: ModelManifest, embedding: Embedding?, vocabulary: Vocabulary?,
                layers: [RecurrentLayer], reverseLayers: [RecurrentLayer] = [], head: ClassifierHead) {
        precondition(reverseLayers.isEmpty || reverseLayers.count == layers.count, "one reverse layer per layer")
        self.manifest = manifest
        self.embedding = embedding
        self.vocabulary = vocabulary
        self.layers = layers
        self.reverseLayers = reverseLayers
        self.head = head
        let directions = reverseLayers.isEmpty ? 1 : 2
        self.cells = layers.indices.map { index in
            // Layer 0 reads the input; a layer above a bidirectional one reads both directions' outputs.
            let parts = index == 0 ? [layers[0].inputSize]
                                   : [Int](repeating: layers[index - 1].hiddenSize, count: directions)
            return (layers[index].cell(inputParts: parts),
                    reverseLayers.isEmpty ? nil : reverseLayers[index].cell(inputParts: parts))
        }
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

    /// Runs the model over a validated sequence and keeps every node's value.
    public func trace(_ sequence: [[Double]]) -> ForwardTrace {
        let unrolled = unrolled(length: sequence.count)
        return ForwardTrace(unrolled: unrolled, values: unrolled.graph.evaluate(sequence))
    }

    /// The gradient of `sum_k outputWeights[k] * logits[k]` with respect to every input feature
    /// (T x input_size) at the input whose trace is `trace`, by reverse-mode differentiation through the
    /// same graph the forward pass evaluated. With `outputWeights = e_j - e_c` it is the gradient of the
    /// margin y_j - y_c that a misclassification attack climbs.
    public func backpropagate(_ trace: ForwardTrace, outputWeights: [Double]) -> [[Double]] {
        precondition(outputWeights.count == numClasses, "\(outputWeights.count) output weights for \(numClasses) classes")
        return trace.unrolled.graph.gradient(of: trace.unrolled.logits, weights: outputWeights, values: trace.values,
                                             steps: trace.unrolled.length, width: inputSize)
    }

    /// The value of `sum_k outputWeights[k] * logits[k]` at `sequence` and its input gradient.
    public func gradient(_ sequence: [[Double]], outputWeights: [Double]) -> (value: Double, gradient: [[Double]]) {
        let trace = trace(sequence)
        let value = zip(outputWeights, trace.logits).reduce(0) { $0 + $1.0 * $1.1 }
        return (value, backpropagate(trace, outputWeights: outputWeights))
    }

    /// The logits for a feature sequence.
    public func logits(_ sequence: [[Double]]) throws(ModelError) -> [Double] {
        try validate(sequence)
        // Only the logits: no per-node arrays, as `trace` makes for the gradient.
        let unrolled = unrolled(length: sequence.count)
        let offsets = unrolled.graph.offsets
        return Array(unrolled.graph.evaluateFlat(sequence)[offsets[unrolled.logits]..<offsets[unrolled.logits + 1]])
    }

    public func predict(_ sequence: [[Double]]) throws(ModelError) -> Prediction {
        Prediction(logits: try logits(sequence), labels: manifest.labels)
    }

    /// The total number of parameters, as PyTorch counts them (absent biases are not counted).
    public var parameterCount: Int {
        let recurrent = (layers + reverseLayers).reduce(0) {
            $0 + $1.weightIH.storage.count + $1.weightHH.storage.count + ($1.hasBias ? 2 * $1.biasIH.count : 0)
        }
        let head = head.layers.reduce(0) { $0 + $1.weight.storage.count + $1.bias.count }
        return recurrent + head + (embedding?.table.storage.count ?? 0)
    }
}
