import SequenceModels

/// ONNX `LSTM`, `GRU` and `RNN` nodes as PyTorch layers.
extension ClassifierRecogniser {
    /// The recurrent node `op` with its evaluated inputs (X, W, R, B, sequence_lens, initial_h, initial_c,
    /// P; absent ones nil); returns its outputs (Y, Y_h, Y_c) as element ids.
    mutating func recurrent(_ op: String, _ attributes: NodeAttributes, _ inputs: [GraphValue?]) throws(NodeProblem) -> [GraphValue] {
        let architecture: Architecture, defaultActivations: [String]
        switch op {
        case "LSTM": (architecture, defaultActivations) = (.lstm, ["Sigmoid", "Tanh", "Tanh"])
        case "GRU": (architecture, defaultActivations) = (.gru, ["Sigmoid", "Tanh"])
        default: (architecture, defaultActivations) = (.rnn, ["Tanh"])
        }
        let gates = ImportedRecurrentLayer.onnxGateOfPyTorchGate(architecture).count
        let hidden = try attributes.int("hidden_size", in: 1...ModelManifest.maxSize)
        let directionCount: Int
        switch attributes.string("direction", default: "forward") {
        case "forward": directionCount = 1
        case "bidirectional": directionCount = 2
        case let other: throw NodeProblem("direction \(other) is not supported (forward and bidirectional are, as PyTorch exports)")
        }
        let layout = try attributes.int("layout", default: 0, in: 0...1)
        guard !attributes.has("clip") else { throw NodeProblem("clip is not supported (PyTorch does not clip)") }
        guard !attributes.has("activation_alpha"), !attributes.has("activation_beta") else {
            throw NodeProblem("activation_alpha / activation_beta are not supported")
        }
        guard try attributes.int("input_forget", default: 0) == 0 else { throw NodeProblem("input_forget = 1 is not supported") }
        if architecture == .gru {
            guard try attributes.int("linear_before_reset", default: 0) == 1 else {
                throw NodeProblem("linear_before_reset = 0 applies the reset gate before the recurrent product; PyTorch's GRU (and rnnguard) needs linear_before_reset = 1")
            }
        }
        var nonlinearity: RNNNonlinearity?
        let activations = attributes.strings("activations")
        if architecture == .rnn {
            let names = activations ?? defaultActivations
            guard let name = names.first, names.count == directionCount, Set(names).count == 1,
                  let chosen = ["Tanh": RNNNonlinearity.tanh, "Relu": .relu][name] else {
                throw NodeProblem("activations \(names) are not one Tanh or Relu per direction")
            }
            nonlinearity = chosen
        } else if let activations, activations != Array([[String]](repeating: defaultActivations, count: directionCount).joined()) {
            throw NodeProblem("activations \(activations) differ from PyTorch's \(defaultActivations)")
        }

        guard let xValue = inputs.first ?? nil, case .symbolic(let given) = xValue else {
            throw NodeProblem("its input X must depend on the model's input")
        }
        let x = try settled(given)
        guard x.rank == 3, x.shape[layout == 0 ? 1 : 0] == 1, x.shape[layout == 0 ? 0 : 1] == steps else {
            throw NodeProblem("input X of shape \(x.shape) is not one sequence of \(steps) steps")
        }
        let inputSize = x.shape[2]
        let w = try weight(inputs, 1, "W", [directionCount, gates * hidden, inputSize])
        let r = try weight(inputs, 2, "R", [directionCount, gates * hidden, hidden])
        let b = inputs.count > 3 ? try inputs[3].map { value throws(NodeProblem) in
            try Self.checked(value.floats("B"), "B", [directionCount, 2 * gates * hidden])
        } : nil
        if inputs.count > 4, let lengths = inputs[4] {
            guard try lengths.integers("sequence_lens").elements.allSatisfy({ $0 == steps }) else {
                throw NodeProblem("sequence_lens shorter than the sequence (padding) is not supported")
            }
        }
        for (index, name) in [(5, "initial_h"), (6, "initial_c"), (7, "P")] where inputs.count > index {
            if let value = inputs[index] {
                guard try value.floats(name).elements.allSatisfy({ $0 == 0 }) else {
                    throw NodeProblem("\(name) must be zero (PyTorch's default state, no peepholes)")
                }
            }
        }

        let perDirection = gates * hidden
        let layer = try addLayer(reading: x.elements, outputCount: steps * directionCount * hidden) { block throws(NodeProblem) in
            let directions = (0..<directionCount).map { d in
                ImportedRecurrentLayer.Direction(
                    weightIH: ImportedRecurrentLayer.pytorchGateOrder(w[(d * perDirection * inputSize)..<((d + 1) * perDirection * inputSize)],
                                                                     architecture: architecture, hiddenSize: hidden, width: inputSize),
                    weightHH: ImportedRecurrentLayer.pytorchGateOrder(r[(d * perDirection * hidden)..<((d + 1) * perDirection * hidden)],
                                                                     architecture: architecture, hiddenSize: hidden, width: hidden),
                    biases: b.map { b in
                        let start = d * 2 * perDirection
                        return (ImportedRecurrentLayer.pytorchGateOrder(b[start..<(start + perDirection)], architecture: architecture,
                                                                        hiddenSize: hidden, width: 1),
                                ImportedRecurrentLayer.pytorchGateOrder(b[(start + perDirection)..<(start + 2 * perDirection)],
                                                                        architecture: architecture, hiddenSize: hidden, width: 1))
                    })
            }
            return ImportedRecurrentLayer(architecture: architecture, nonlinearity: nonlinearity, inputSize: inputSize,
                                          hiddenSize: hidden, directions: directions, output: block)
        }
        // Y is [T, D, 1, H] (layout 0) or [1, T, D, H] (layout 1): with a batch of 1 both list the
        // outputs in the block's own order. Y_h holds the forward direction's last step and the backward
        // direction's first: the same elements as Y, so pooling "last" is recognised from either.
        let outputs = layer.output
        let y = try ShapedArray(shape: layout == 0 ? [steps, directionCount, 1, hidden] : [1, steps, directionCount, hidden],
                                elements: outputs.ids)
        let width = directionCount * hidden
        let final = (0..<directionCount).flatMap { d in
            (0..<hidden).map { outputs.base + (d == 0 ? steps - 1 : 0) * width + d * hidden + $0 }
        }
        let stateShape = layout == 0 ? [directionCount, 1, hidden] : [1, directionCount, hidden]
        var results: [GraphValue] = [.symbolic(y), .symbolic(try ShapedArray(shape: stateShape, elements: final))]
        if architecture == .lstm {
            let cell = allocate(.cellState(layers.count - 1), count: directionCount * hidden)
            results.append(.symbolic(try ShapedArray(shape: stateShape, elements: cell.ids)))
        }
        return results
    }

    /// A weight input: a float initializer of exactly `shape`, every value finite.
    private func weight(_ inputs: [GraphValue?], _ index: Int, _ name: String, _ shape: [Int]) throws(NodeProblem) -> [Double] {
        guard inputs.count > index, let value = inputs[index] else { throw NodeProblem("input \(name) is missing") }
        return try Self.checked(value.floats(name), name, shape)
    }

    private static func checked(_ array: ShapedArray<Double>, _ name: String, _ shape: [Int]) throws(NodeProblem) -> [Double] {
        guard array.shape == shape else { throw NodeProblem("\(name) has shape \(array.shape), expected \(shape)") }
        guard array.elements.allSatisfy(\.isFinite) else { throw NodeProblem("\(name) holds NaN or an infinity") }
        return array.elements
    }
}
