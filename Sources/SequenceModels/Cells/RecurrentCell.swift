/// The nodes that carry one layer's state from a step to the next; `nil` is the zero initial state.
public struct UnrolledState: Sendable {
    public var hidden: NodeID?
    public var cell: NodeID?

    public static let zero = UnrolledState(hidden: nil, cell: nil)
}

/// A recurrent cell: one description of its step equations, as nodes appended to a `ComputationGraph`.
/// The forward pass, the input gradient and the certifier's bounds all come from this one description,
/// so a new cell (a new gate layout, another direction) is one new file.
public protocol RecurrentCell: Sendable {
    /// Appends one step reading `input` (the parts of the step's input vector: one node, or for a layer
    /// above a bidirectional one the forward and backward outputs) from `state`, and returns the new state
    /// (its `hidden` is the layer's output at this step).
    func appendStep(to graph: inout ComputationGraph, input: [NodeID], state: UnrolledState) -> UnrolledState
}

/// A layer's weights cut into PyTorch's gate blocks once (and the input weights into one column block
/// per input part), so unrolling a step only references them.
struct GateBlocks: Sendable {
    /// [gate][input part].
    let input: [[Matrix]]
    let hidden: [Matrix]
    let inputBias: [[Double]]
    let hiddenBias: [[Double]]
    /// b_ih + b_hh per gate, the bias of a pre-activation.
    let summedBias: [[Double]]
    /// Zeros of the hidden size, the bias of the purely linear nodes.
    let zeros: [Double]

    init(_ layer: RecurrentLayer, inputParts: [Int]) {
        let h = layer.hiddenSize
        let blocks = (0..<layer.kind.gateCount).map { ($0 * h)..<(($0 + 1) * h) }
        input = blocks.map { layer.weightIH.rows($0).columnBlocks(inputParts) }
        hidden = blocks.map { layer.weightHH.rows($0) }
        inputBias = blocks.map { Array(layer.biasIH[$0]) }
        hiddenBias = blocks.map { Array(layer.biasHH[$0]) }
        summedBias = zip(inputBias, hiddenBias).map { zip($0, $1).map(+) }
        zeros = [Double](repeating: 0, count: h)
    }

    /// W_i x for gate `g`, one term per input part.
    func inputTerms(_ g: Int, _ x: [NodeID]) -> [(node: NodeID, map: LinearMap)] {
        zip(x, input[g]).map { ($0, .dense($1)) }
    }

    /// The pre-activation of gate `g`: W_i x + W_h h + b_i + b_h (the hidden term is absent at h_0 = 0).
    func preActivation(_ g: Int, input x: [NodeID], hidden h: NodeID?, graph: inout ComputationGraph) -> NodeID {
        var terms = inputTerms(g, x)
        if let h { terms.append((h, .dense(hidden[g]))) }
        return graph.affine(terms, bias: summedBias[g])
    }
}
