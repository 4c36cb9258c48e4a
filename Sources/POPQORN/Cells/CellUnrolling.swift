import SequenceModels

/// The nodes that carry one layer's state from a step to the next; `nil` is the zero initial state.
struct UnrolledState {
    var hidden: NodeID?
    var cell: NodeID?
}

/// A recurrent cell describing one step in the bound engine's terms (affine maps, nonlinearities,
/// cross-nonlinearities). Each cell kind is one file; the engine is shared.
protocol CellUnrolling: Sendable {
    func appendStep(to graph: inout BoundGraph, input: NodeID, state: UnrolledState) -> UnrolledState
}

/// A layer's weights cut into PyTorch's gate blocks once, so unrolling a step only references them.
struct GateBlocks: Sendable {
    let input: [Matrix]
    let hidden: [Matrix]
    let inputBias: [[Double]]
    let hiddenBias: [[Double]]

    init(_ layer: RecurrentLayer) {
        let h = layer.hiddenSize
        let blocks = (0..<layer.kind.gateCount).map { ($0 * h)..<(($0 + 1) * h) }
        input = blocks.map { layer.weightIH.rows($0) }
        hidden = blocks.map { layer.weightHH.rows($0) }
        inputBias = blocks.map { Array(layer.biasIH[$0]) }
        hiddenBias = blocks.map { Array(layer.biasHH[$0]) }
    }

    /// The pre-activation of gate `g`: W_i x + W_h h + b_i + b_h (the hidden term is absent at h_0 = 0).
    func preActivation(_ g: Int, input x: NodeID, hidden h: NodeID?, graph: inout BoundGraph) -> NodeID {
        var terms: [(node: NodeID, map: LinearMap)] = [(x, .dense(input[g]))]
        if let h { terms.append((h, .dense(hidden[g]))) }
        return graph.affine(terms, bias: zip(inputBias[g], hiddenBias[g]).map(+))
    }
}

extension RecurrentLayer {
    /// The unrolling for this layer's cell kind.
    var unrolling: any CellUnrolling {
        switch kind {
        case .rnn(let nonlinearity): return RNNUnrolling(blocks: GateBlocks(self), activation: nonlinearity == .tanh ? Tanh.self : ReLU.self)
        case .lstm: return LSTMUnrolling(blocks: GateBlocks(self))
        case .gru: return GRUUnrolling(blocks: GateBlocks(self))
        }
    }
}
