import SequenceModels

/// The classifier unrolled over T steps, with the node that holds its logits.
struct UnrolledClassifier: Sendable {
    let graph: BoundGraph
    let logits: NodeID
}

extension SequenceClassifier {
    /// Unrolls every layer over `length` steps (layer by layer, as the forward pass runs) and adds the
    /// linear head on the top layer's last hidden state.
    func unrolled(length: Int, cells: [any CellUnrolling]) -> UnrolledClassifier {
        var graph = BoundGraph()
        var inputs = (0..<length).map { graph.input(step: $0, size: inputSize) }
        for cell in cells {
            var state = UnrolledState(hidden: nil, cell: nil)
            var outputs: [NodeID] = []
            for x in inputs {
                state = cell.appendStep(to: &graph, input: x, state: state)
                outputs.append(state.hidden!)
            }
            inputs = outputs
        }
        let logits = graph.affine([(inputs[length - 1], .dense(head.weight))], bias: head.bias)
        return UnrolledClassifier(graph: graph, logits: logits)
    }
}
