import Testing
import SequenceModels

/// The backpropagated input gradient against central finite differences on random models of every cell kind.
struct GradientTests {
    /// (architecture, nonlinearity): the four cells rnnguard runs.
    static let cells: [(Architecture, RNNNonlinearity)] = [(.rnn, .tanh), (.rnn, .relu), (.lstm, .tanh), (.gru, .tanh)]

    @Test(arguments: cells.indices, [1, 2])
    func matchesFiniteDifferences(cell: Int, numLayers: Int) throws {
        let (architecture, nonlinearity) = Self.cells[cell]
        for bias in [true, false] {
            for length in [1, 5] {
                let seed = UInt64(100 * cell + 10 * numLayers + length) + (bias ? 1000 : 0)
                let model = SequenceClassifier.random(architecture: architecture, nonlinearity: nonlinearity,
                                                      inputSize: 3, hiddenSize: 4, numLayers: numLayers,
                                                      numClasses: 3, bias: bias, scale: 1.5, seed: seed)
                // ReLU is not differentiable at 0: take the first input whose pre-activations all stay clear of
                // the kink, so the finite differences (steps of 1e-6) never cross it.
                let input = try #require((0..<50).lazy
                    .map { SequenceClassifier.randomSequence(length: length, inputSize: 3, seed: seed &* 31 &+ $0) }
                    .first { Self.smallestPreactivation(model, $0) >= 1e-4 })
                var rng = SplitMix64(seed: seed)
                let weights = (0..<3).map { _ in rng.normal() }
                let (value, gradient) = model.gradient(input, outputWeights: weights)

                let logits = model.trace(input).logits
                #expect(abs(value - zip(weights, logits).map { $0 * $1 }.reduce(0, +)) <= 1e-12 * max(1, abs(value)))

                let numeric = Self.centralDifferences(model, input, weights)
                let scale = max(numeric.joined().map(abs).max() ?? 0, 1e-3)
                for t in 0..<length {
                    for k in 0..<3 {
                        let tolerance = 1e-6 * max(abs(numeric[t][k]), scale)
                        #expect(abs(gradient[t][k] - numeric[t][k]) <= tolerance,
                                "\(architecture) \(nonlinearity) layers \(numLayers) bias \(bias) T \(length): d/dx[\(t)][\(k)] \(gradient[t][k]) vs \(numeric[t][k])")
                    }
                }
            }
        }
    }

    /// Bidirectional layers, pooling and MLP heads differentiate through the same graph.
    @Test(arguments: [Pooling.last, .mean, .max])
    func bidirectionalPooledModelsMatchFiniteDifferences(pooling: Pooling) throws {
        let model = SequenceClassifier.random(architecture: .lstm, inputSize: 3, hiddenSize: 4, numLayers: 2, numClasses: 3,
                                              scale: 1.5, bidirectional: true, pooling: pooling, headHidden: [5],
                                              headActivation: .tanh, seed: 7)
        let input = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 8)
        let weights = [0.7, -1.1, 0.4]
        let (_, gradient) = model.gradient(input, outputWeights: weights)
        let numeric = Self.centralDifferences(model, input, weights)
        let scale = max(numeric.joined().map(abs).max() ?? 0, 1e-3)
        for t in 0..<4 {
            for k in 0..<3 {
                #expect(abs(gradient[t][k] - numeric[t][k]) <= 1e-6 * max(abs(numeric[t][k]), scale), "\(pooling) d/dx[\(t)][\(k)]")
            }
        }
    }

    /// The smallest |pre-activation| of any ReLU in the unrolled graph (infinity for gated cells).
    static func smallestPreactivation(_ model: SequenceClassifier, _ input: [[Double]]) -> Double {
        let trace = model.trace(input)
        return trace.unrolled.graph.nodes
            .compactMap { ($0.operation as? UnaryOperation).flatMap { $0.function == ReLU.self ? $0.source : nil } }
            .flatMap { trace.values[$0].map(abs) }
            .min() ?? .infinity
    }

    static func centralDifferences(_ model: SequenceClassifier, _ input: [[Double]], _ weights: [Double]) -> [[Double]] {
        let h = 1e-6
        func objective(_ x: [[Double]]) -> Double {
            zip(weights, model.trace(x).logits).map { $0 * $1 }.reduce(0, +)
        }
        return input.indices.map { t in
            input[t].indices.map { k in
                var up = input, down = input
                up[t][k] += h
                down[t][k] -= h
                return (objective(up) - objective(down)) / (2 * h)
            }
        }
    }
}
