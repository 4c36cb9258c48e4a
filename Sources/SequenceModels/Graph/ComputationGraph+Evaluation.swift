extension ComputationGraph {
    /// Every node's value for the input `sequence` (which must have as many steps as the graph reads).
    public func evaluate(_ sequence: [[Double]]) -> [[Double]] {
        var values: [[Double]] = []
        values.reserveCapacity(nodes.count)
        for node in nodes { values.append(node.operation.evaluate(values, sequence: sequence)) }
        return values
    }

    /// The gradient of `weights . value(objective)` with respect to every input frame (steps x width),
    /// by reverse-mode differentiation over the nodes, at the point whose node values are `values`.
    public func gradient(of objective: NodeID, weights: [Double], values: [[Double]], steps: Int, width: Int) -> [[Double]] {
        var gradients = [[Double]?](repeating: nil, count: nodes.count)
        gradients[objective] = weights
        var frames = [[Double]](repeating: [Double](repeating: 0, count: width), count: steps)
        for id in stride(from: objective, through: 0, by: -1) {
            guard let g = gradients[id] else { continue }
            gradients[id] = nil
            if let input = nodes[id].operation as? InputOperation {
                for k in g.indices { frames[input.step][k] += g[k] }
            } else {
                nodes[id].operation.pullback(g, values: values, into: &gradients)
            }
        }
        return frames
    }
}
