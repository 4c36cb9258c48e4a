/// The classifier head: the top layer's outputs pooled over time (`Pooling`), then one or more dense
/// layers (`nn.Linear`, with ReLU or tanh between them in an MLP head).
public struct ClassifierHead: Sendable {
    public struct Layer: Sendable {
        public let weight: Matrix
        public let bias: [Double]
        /// Applied after this layer; nil for the last one.
        public let activation: (any ElementwiseFunction.Type)?

        public init(weight: Matrix, bias: [Double]?, activation: (any ElementwiseFunction.Type)? = nil) {
            self.weight = weight
            self.bias = bias ?? [Double](repeating: 0, count: weight.rows)
            self.activation = activation
        }
    }

    public let pooling: Pooling
    public let layers: [Layer]

    public init(pooling: Pooling = .last, layers: [Layer]) {
        self.pooling = pooling
        self.layers = layers
    }

    /// Appends the head on the top layer's outputs (per step, one node per direction) and returns the
    /// logits node.
    func append(to graph: inout ComputationGraph, outputs: [[NodeID]]) -> NodeID {
        let steps = outputs.count
        let directions = outputs[0].count
        // The pooled vector as parts, one per direction: [forward, backward] in PyTorch's order.
        let parts: [NodeID]
        switch pooling {
        case .last:
            // The backward direction has seen the whole sequence at step 0 (PyTorch's h_n).
            parts = (0..<directions).map { $0 == 0 ? outputs[steps - 1][0] : outputs[0][$0] }
        case .mean:
            parts = (0..<directions).map { d in
                let size = graph.nodes[outputs[0][d]].size
                return graph.affine(outputs.map { ($0[d], LinearMap.scaled(1 / Double(steps))) },
                                    bias: [Double](repeating: 0, count: size))
            }
        case .max:
            parts = (0..<directions).map { d in graph.max(outputs.map { $0[d] }) }
        }
        var vector = parts
        for layer in layers {
            // The first layer reads the parts through its weight's column blocks, so no concatenation is needed.
            let blocks = layer.weight.columnBlocks(vector.map { graph.nodes[$0].size })
            var node = graph.affine(zip(vector, blocks).map { ($0, LinearMap.dense($1)) }, bias: layer.bias)
            if let activation = layer.activation { node = graph.unary(activation, node) }
            vector = [node]
        }
        return vector[0]
    }
}
