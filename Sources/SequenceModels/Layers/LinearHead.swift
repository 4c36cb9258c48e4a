/// The classifier head `y = W h_T + b` on the top layer's last output.
public struct LinearHead: Sendable {
    public let weight: Matrix
    public let bias: [Double]

    public init(weight: Matrix, bias: [Double]?) {
        self.weight = weight
        self.bias = bias ?? [Double](repeating: 0, count: weight.rows)
    }

    /// Appends the head on the top layer's per-step `outputs` and returns the logits node.
    func append(to graph: inout ComputationGraph, outputs: [NodeID]) -> NodeID {
        graph.affine([(outputs[outputs.count - 1], .dense(weight))], bias: bias)
    }
}
