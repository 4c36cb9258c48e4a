/// Synthetic models with random weights: the certifier's soundness tests run on many of them, and
/// `rnnguard bench` uses them to measure how cost grows with hidden size and length.
extension SequenceClassifier {
    /// A model whose weights are N(0, scale^2 / fan_in), a PyTorch-like initialisation; `scale` above 1
    /// makes gates saturate more, which the soundness tests want to see. `headHidden` adds hidden layers
    /// (with `headActivation` after each) to the head.
    public static func random(architecture: Architecture, nonlinearity: RNNNonlinearity = .tanh,
                              inputSize: Int, hiddenSize: Int, numLayers: Int = 1, numClasses: Int,
                              bias: Bool = true, scale: Double = 1, bidirectional: Bool = false, pooling: Pooling = .last,
                              headHidden: [Int] = [], headActivation: HeadActivation = .relu,
                              seed: UInt64) -> SequenceClassifier {
        var rng = SplitMix64(seed: seed)
        func matrix(_ rows: Int, _ columns: Int) -> Matrix {
            let std = scale / Double(columns).squareRoot()
            return Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in std * rng.normal() })
        }
        func vector(_ count: Int) -> [Double] { (0..<count).map { _ in 0.3 * scale * rng.normal() } }
        let kind: CellKind
        switch architecture {
        case .rnn: kind = .rnn(nonlinearity)
        case .lstm: kind = .lstm
        case .gru: kind = .gru
        }
        let rows = kind.gateCount * hiddenSize
        let directions = bidirectional ? 2 : 1
        func layer(_ index: Int) -> RecurrentLayer {
            RecurrentLayer(kind: kind, weightIH: matrix(rows, index == 0 ? inputSize : directions * hiddenSize),
                           weightHH: matrix(rows, hiddenSize),
                           biasIH: bias ? vector(rows) : nil, biasHH: bias ? vector(rows) : nil)
        }
        let layers = (0..<numLayers).map(layer)
        let reverseLayers = bidirectional ? (0..<numLayers).map(layer) : []
        let widths = [directions * hiddenSize] + headHidden + [numClasses]
        let headLayers = (1..<widths.count).map { index in
            ClassifierHead.Layer(weight: matrix(widths[index], widths[index - 1]), bias: vector(widths[index]),
                                 activation: index < widths.count - 1 ? headActivation.function : nil)
        }
        let manifest = ModelManifest(architecture: architecture, nonlinearity: architecture == .rnn ? nonlinearity : nil,
                                     inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                                     numClasses: numClasses, rnnPrefix: "rnn.", headPrefix: headHidden.isEmpty ? "fc." : nil,
                                     bidirectional: bidirectional ? true : nil, pooling: pooling,
                                     head: headHidden.isEmpty ? nil : (0..<(headHidden.count + 1)).map {
                                         HeadLayerSpec(prefix: "mlp.\(2 * $0).", activation: $0 < headHidden.count ? headActivation : nil)
                                     })
        return SequenceClassifier(manifest: manifest, embedding: nil, vocabulary: nil, layers: layers,
                                  reverseLayers: reverseLayers, head: ClassifierHead(pooling: pooling, layers: headLayers))
    }

    /// A random input sequence with N(0, 1) features, for tests and benchmarks.
    public static func randomSequence(length: Int, inputSize: Int, seed: UInt64) -> [[Double]] {
        var rng = SplitMix64(seed: seed)
        return (0..<length).map { _ in (0..<inputSize).map { _ in rng.normal() } }
    }
}
