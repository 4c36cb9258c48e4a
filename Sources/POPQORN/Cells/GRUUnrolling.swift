/// r = sigma(.), z = sigma(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
/// h_t = (1 - z) * n + z * h_{t-1}: three cross-nonlinearities of the form sigma(x) * y per step.
struct GRUUnrolling: CellUnrolling {
    let blocks: GateBlocks

    func appendStep(to graph: inout BoundGraph, input: NodeID, state: UnrolledState) -> UnrolledState {
        let (r, z, n) = (0, 1, 2)
        let resetPre = blocks.preActivation(r, input: input, hidden: state.hidden, graph: &graph)
        let updatePre = blocks.preActivation(z, input: input, hidden: state.hidden, graph: &graph)
        // W_hn h + b_hn: a constant b_hn at h_0 = 0.
        let hiddenCandidate = graph.affine(state.hidden.map { [($0, .dense(blocks.hidden[n]))] } ?? [],
                                           bias: blocks.hiddenBias[n])
        let gated = graph.binary(SigmoidLinearProduct.self, x: resetPre, y: hiddenCandidate)
        let candidatePre = graph.affine([(input, .dense(blocks.input[n])), (gated, .identity)], bias: blocks.inputBias[n])
        let candidate = graph.unary(Tanh.self, candidatePre)
        let fresh = graph.binary(ComplementSigmoidProduct.self, x: updatePre, y: candidate)
        guard let previous = state.hidden else { return UnrolledState(hidden: fresh, cell: nil) }
        let kept = graph.binary(SigmoidLinearProduct.self, x: updatePre, y: previous)
        let hidden = graph.affine([(fresh, .identity), (kept, .identity)],
                                  bias: [Double](repeating: 0, count: graph.nodes[previous].size))
        return UnrolledState(hidden: hidden, cell: nil)
    }
}
