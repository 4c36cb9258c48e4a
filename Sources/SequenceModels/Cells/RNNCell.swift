/// h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).
struct RNNCell: RecurrentCell {
    let blocks: GateBlocks
    let activation: any ElementwiseFunction.Type

    func appendStep(to graph: inout ComputationGraph, input: [NodeID], state: UnrolledState) -> UnrolledState {
        let pre = blocks.preActivation(0, input: input, hidden: state.hidden, graph: &graph)
        return UnrolledState(hidden: graph.unary(activation, pre), cell: nil)
    }
}
