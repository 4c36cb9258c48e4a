extension ComputationGraph {
    /// Every node's value for the input `sequence` (which must have as many steps as the graph reads),
    /// in one flat buffer laid out by `offsets`.
    public func evaluateFlat(_ sequence: [[Double]]) -> [Double] {
        var storage = [Double](repeating: 0, count: offsets[offsets.count - 1])
        storage.withUnsafeMutableBufferPointer { storage in
            offsets.withUnsafeBufferPointer { offsets in
                nodes.withUnsafeBufferPointer { nodes in
                    // Each node writes its own slice and reads only earlier ones.
                    let values = NodeValues(storage: UnsafeBufferPointer(storage), offsets: offsets)
                    for id in nodes.indices {
                        let out = UnsafeMutableBufferPointer(rebasing: storage[offsets[id]..<offsets[id + 1]])
                        nodes[id].operation.evaluate(values, sequence: sequence, into: out)
                    }
                }
            }
        }
        return storage
    }

    /// Every node's value, one array per node.
    public func evaluate(_ sequence: [[Double]]) -> [[Double]] {
        let flat = evaluateFlat(sequence)
        return nodes.indices.map { Array(flat[offsets[$0]..<offsets[$0 + 1]]) }
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
