/// A classifier unrolled over T steps: its graph, the node of its logits and the top layer's outputs.
public struct UnrolledClassifier: Sendable {
    public let graph: ComputationGraph
    public let logits: NodeID
    /// The top recurrent layer's output nodes at each step (one per direction).
    public let topOutputs: [[NodeID]]
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
        // Each step's input as parts: the frame, then one output per direction of the layer below.
        var inputs = (0..<length).map { [graph.input(step: $0, size: inputSize)] }
        for (forward, backward) in cells {
            let forwardOutputs = Self.run(forward, over: inputs, steps: Array(0..<length), graph: &graph)
            guard let backward else {
                inputs = forwardOutputs.map { [$0] }
                continue
            }
            // The backward direction reads the same inputs from the last step to the first.
            let backwardOutputs = Self.run(backward, over: inputs, steps: (0..<length).reversed(), graph: &graph)
            inputs = (0..<length).map { [forwardOutputs[$0], backwardOutputs[$0]] }
        }
        let logits = head.append(to: &graph, outputs: inputs)
        return UnrolledClassifier(graph: graph, logits: logits, topOutputs: inputs, length: length)
    }

    /// Runs one direction of one layer over `steps` (in that order) and returns its output at each step
    /// (indexed by step).
    private static func run(_ cell: any RecurrentCell, over inputs: [[NodeID]], steps: [Int],
                            graph: inout ComputationGraph) -> [NodeID] {
        var state = UnrolledState.zero
        var outputs = [NodeID](repeating: 0, count: inputs.count)
        for t in steps {
            graph.currentStep = t
            state = cell.appendStep(to: &graph, input: inputs[t], state: state)
            // Every cell returns a hidden state; the zero state never comes back.
            outputs[t] = state.hidden ?? inputs[t][0]
        }
        return outputs
    }
}
