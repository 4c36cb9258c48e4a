extension RecurrentLayer {
    /// The cell that describes this layer's step, for an input made of parts of the given widths.
    public func cell(inputParts: [Int]) -> any RecurrentCell {
        let blocks = GateBlocks(self, inputParts: inputParts)
        switch kind {
        case .rnn(let nonlinearity): return RNNCell(blocks: blocks, activation: nonlinearity.function)
        case .lstm: return LSTMCell(blocks: blocks)
        case .gru: return GRUCell(blocks: blocks)
        }
    }
}

extension RNNNonlinearity {
    /// The activation function this manifest value names.
    public var function: any ElementwiseFunction.Type {
        switch self {
        case .tanh: return Tanh.self
        case .relu: return ReLU.self
        }
    }
}
