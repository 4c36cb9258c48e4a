/// How an affine node reads one of its inputs.
public enum LinearMap: Sendable {
    /// out = M * in.
    case dense(Matrix)
    /// out = s * in: identities and negations (the GRU's h - n) without an n x n matrix.
    case scaled(Double)

    public static let identity = LinearMap.scaled(1)

    /// out += map(vector).
    func apply(_ vector: UnsafeBufferPointer<Double>, addingTo out: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case .dense(let m): m.multiply(vector, addingTo: out)
        case .scaled(let s): for k in out.indices { out[k] += s * vector[k] }
        }
    }

    /// The transpose applied to `vector`: how a gradient or a coefficient row crosses the map backwards.
    func transposed(_ vector: [Double]) -> [Double] {
        switch self {
        case .dense(let m): return m.transposedTimes(vector)
        case .scaled(let s): return vector.map { s * $0 }
        }
    }
}

/// sum_i map_i(node_i) + bias. With no terms it is a constant vector.
public struct AffineOperation: GraphOperation {
    public let terms: [(node: NodeID, map: LinearMap)]
    public let bias: [Double]

    public var name: String { "affine" }
    public var inputs: [NodeID] { terms.map(\.node) }
    public var relaxedOperands: [NodeID] { [] }

    public func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        _ = out.update(fromContentsOf: bias)
        for term in terms { term.map.apply(values[term.node], addingTo: out) }
    }

    public func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?]) {
        for term in terms { inputGradients.accumulate(term.map.transposed(gradient), at: term.node) }
    }
}
