/// h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).
struct RNNUnrolling: CellUnrolling {
    let blocks: GateBlocks
    let activation: any UnaryOperator.Type

    func appendStep(to graph: inout BoundGraph, input: NodeID, state: UnrolledState) -> UnrolledState {
        let pre = blocks.preActivation(0, input: input, hidden: state.hidden, graph: &graph)
        return UnrolledState(hidden: graph.unary(activation, pre), cell: nil)
    }
}
