/// A classifier unrolled over T steps: its graph, the node of its logits and the top layer's outputs.
public struct UnrolledClassifier: Sendable {
    public let graph: ComputationGraph
    public let logits: NodeID
    /// The top recurrent layer's output node at each step.
    public let topOutputs: [NodeID]
    public let length: Int
}

extension SequenceClassifier {
    /// Unrolls every layer over `length` steps (layer by layer, as PyTorch runs them) and appends the
    /// head; built once per length and reused.
    public func unrolled(length: Int) -> UnrolledClassifier {
        unrolledGraphs.graph(length: length) { unroll(length: length) }
    }

    private func unroll(length: Int) -> UnrolledClassifier {
        var graph = ComputationGraph()
        var inputs = (0..<length).map { graph.input(step: $0, size: inputSize) }
        for cell in cells {
            var state = UnrolledState.zero
            var outputs: [NodeID] = []
            outputs.reserveCapacity(length)
            for (t, x) in inputs.enumerated() {
                graph.currentStep = t
                state = cell.appendStep(to: &graph, input: x, state: state)
                // Every cell returns a hidden state; the zero state never comes back.
                outputs.append(state.hidden ?? x)
            }
            inputs = outputs
        }
        let logits = head.append(to: &graph, outputs: inputs)
        return UnrolledClassifier(graph: graph, logits: logits, topOutputs: inputs, length: length)
    }
}
