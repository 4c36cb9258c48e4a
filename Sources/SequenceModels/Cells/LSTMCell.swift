/// c_t = sigma(i) * tanh(g) + sigma(f) * c_{t-1},  h_t = sigma(o) * tanh(c_t), gate blocks i, f, g, o.
///
/// The gate pre-activations enter the products directly, so the certifier relaxes each product as one
/// function of two pre-activations rather than as a product of separately relaxed factors.
struct LSTMCell: RecurrentCell {
    let blocks: GateBlocks

    func appendStep(to graph: inout ComputationGraph, input: [NodeID], state: UnrolledState) -> UnrolledState {
        let (i, f, g, o) = (0, 1, 2, 3)
        let pre = (0..<4).map { blocks.preActivation($0, input: input, hidden: state.hidden, graph: &graph) }
        let inputTimesCandidate = graph.binary(SigmoidTanhProduct.self, x: pre[i], y: pre[g])
        var cell = inputTimesCandidate
        if let previous = state.cell {
            let kept = graph.binary(SigmoidLinearProduct.self, x: pre[f], y: previous)
            cell = graph.affine([(inputTimesCandidate, .identity), (kept, .identity)], bias: blocks.zeros)
        }
        let hidden = graph.binary(SigmoidTanhProduct.self, x: pre[o], y: cell)
        return UnrolledState(hidden: hidden, cell: cell)
    }
}
