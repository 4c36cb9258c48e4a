/// r = sigma(.), z = sigma(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), gate blocks r, z, n;
/// h_t = (1 - z) * n + z * h_{t-1}, written as h_t = n + z * (h_{t-1} - n).
///
/// The two forms are equal; the second has one product sigma(z) * d with d = h_{t-1} - n bounded as a
/// whole, where the first relaxes (1 - sigma(z)) * n and sigma(z) * h_{t-1} separately and pays for both
/// errors on the shared gate z.
struct GRUCell: RecurrentCell {
    let blocks: GateBlocks

    func appendStep(to graph: inout ComputationGraph, input: [NodeID], state: UnrolledState) -> UnrolledState {
        let (r, z, n) = (0, 1, 2)
        let resetPre = blocks.preActivation(r, input: input, hidden: state.hidden, graph: &graph)
        let updatePre = blocks.preActivation(z, input: input, hidden: state.hidden, graph: &graph)
        // W_hn h + b_hn: the constant b_hn at h_0 = 0.
        let hiddenCandidate = graph.affine(state.hidden.map { [($0, .dense(blocks.hidden[n]))] } ?? [],
                                           bias: blocks.hiddenBias[n])
        let gated = graph.binary(SigmoidLinearProduct.self, x: resetPre, y: hiddenCandidate)
        let candidatePre = graph.affine(blocks.inputTerms(n, input) + [(gated, .identity)], bias: blocks.inputBias[n])
        let candidate = graph.unary(Tanh.self, candidatePre)
        // At h_0 = 0 the step is (1 - z) * n = n + z * (0 - n).
        let difference = graph.affine((state.hidden.map { [($0, LinearMap.identity)] } ?? []) + [(candidate, .scaled(-1))],
                                      bias: blocks.zeros)
        let kept = graph.binary(SigmoidLinearProduct.self, x: updatePre, y: difference)
        let hidden = graph.affine([(candidate, .identity), (kept, .identity)], bias: blocks.zeros)
        return UnrolledState(hidden: hidden, cell: nil)
    }
}
