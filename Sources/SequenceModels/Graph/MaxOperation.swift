/// max over several inputs of the same size, neuron by neuron: max pooling over time.
public struct MaxOperation: GraphOperation {
    public let sources: [NodeID]

    public var name: String { "max" }
    public var inputs: [NodeID] { sources }
    public var relaxedOperands: [NodeID] { sources }

    public func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        let first = values[sources[0]]
        for k in out.indices { out[k] = first[k] }
        for source in sources.dropFirst() {
            let x = values[source]
            for k in out.indices where x[k] > out[k] { out[k] = x[k] }
        }
    }

    /// The gradient goes to the input that attains the maximum (the first one, on a tie), as PyTorch's
    /// max does.
    public func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?]) {
        var perSource: [Int: [Double]] = [:]
        for k in gradient.indices {
            var best = 0
            for j in sources.indices.dropFirst() where values[sources[j]][k] > values[sources[best]][k] { best = j }
            perSource[best, default: [Double](repeating: 0, count: gradient.count)][k] += gradient[k]
        }
        for (j, g) in perSource { inputGradients.accumulate(g, at: sources[j]) }
    }
}
