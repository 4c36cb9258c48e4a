/// The index of a node in a `ComputationGraph`. Nodes are appended in topological order: a node's inputs
/// always have smaller ids, so a backward walk is a walk down the ids.
public typealias NodeID = Int

/// One kind of node of a `ComputationGraph`: what it reads and how it computes and differentiates its
/// value. Each kind is one file here; the certifier adds its bound verbs (interval, backward step,
/// adjoint) to the same types in `POPQORN/Operations/`, so a new kind is a new file in each place, not
/// an edit in every walk.
public protocol GraphOperation: Sendable {
    /// What the node computes, for errors and logs ("affine", "tanh", ...).
    var name: String { get }
    /// Every node this one reads.
    var inputs: [NodeID] { get }
    /// The inputs that a relaxation of this operation needs bounds on (its nonlinear operands); empty
    /// for operations the certifier handles exactly (affine maps, inputs).
    var relaxedOperands: [NodeID] { get }
    /// Writes the output into `out` from the earlier nodes' `values`; `sequence` is the model input (for
    /// input nodes). Every node's value lives in one flat buffer, so the forward pass allocates once.
    func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>)
    /// Adds the gradient of a scalar objective with respect to each input, given `gradient`, its
    /// gradient with respect to this node's output (reverse-mode differentiation).
    func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?])
}

extension [[Double]?] {
    /// Adds `vector` to slot `node`, creating it when empty: how pullbacks accumulate gradients.
    public mutating func accumulate(_ vector: [Double], at node: NodeID) {
        guard var sum = self[node] else { self[node] = vector; return }
        self[node] = nil
        for k in sum.indices { sum[k] += vector[k] }
        self[node] = sum
    }
}

/// Read access to the values of a graph's nodes in one flat buffer, node `id` at `offsets[id]`.
public struct NodeValues {
    let storage: UnsafeBufferPointer<Double>
    let offsets: UnsafeBufferPointer<Int>

    public subscript(node: NodeID) -> UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(rebasing: storage[offsets[node]..<offsets[node + 1]])
    }
}
