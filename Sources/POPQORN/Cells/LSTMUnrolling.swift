/// c_t = sigma(i) * tanh(g) + sigma(f) * c_{t-1},  h_t = sigma(o) * tanh(c_t): the gate pre-activations
/// enter the cross-nonlinearities directly, so each product is relaxed as one 2D function of
/// pre-activations rather than as a product of separately relaxed factors.
struct LSTMUnrolling: CellUnrolling {
    let blocks: GateBlocks

    func appendStep(to graph: inout BoundGraph, input: NodeID, state: UnrolledState) -> UnrolledState {
        let (i, f, g, o) = (0, 1, 2, 3)
        let pre = (0..<4).map { blocks.preActivation($0, input: input, hidden: state.hidden, graph: &graph) }
        let inputTimesCandidate = graph.binary(SigmoidTanhProduct.self, x: pre[i], y: pre[g])
        var cell = inputTimesCandidate
        if let previous = state.cell {
            let kept = graph.binary(SigmoidLinearProduct.self, x: pre[f], y: previous)
            cell = graph.affine([(inputTimesCandidate, .identity), (kept, .identity)],
                                bias: [Double](repeating: 0, count: graph.nodes[previous].size))
        }
        let hidden = graph.binary(SigmoidTanhProduct.self, x: pre[o], y: cell)
        return UnrolledState(hidden: hidden, cell: cell)
    }
}
