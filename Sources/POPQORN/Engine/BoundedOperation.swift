import SequenceModels

/// A graph operation the bound engine can bound: the verbs every walk dispatches to. Each operation kind
/// implements them in one file of `Operations/`, beside its forward verbs in `SequenceModels/Graph/`.
///
/// - `bounds`: interval bounds of the output, from the inputs' bounds, and for a nonlinearity a sound
///   `Relaxation` per neuron (built on those input bounds; the engine has given them linear bounds first).
/// - `backward`: one step of a backward pass: the coefficients `c` (rows x size) on this node's output
///   become coefficients on its inputs (through the relaxation the pass chose, for a nonlinearity), and
///   what no input carries goes into the pass's offset. Each row's result stays a lower bound of the row's
///   linear function.
/// - `adjoint`: d(bound)/d(c) for this node, given the same derivative for each input: what the margin
///   optimizer needs to move relaxation mixtures uphill.
/// - `forward`: the node's linear bounds in the perturbation (`SymbolicBounds`) from its operands'
///   (`LinearBoundEngine.symbolic(of:)`) and, for a nonlinearity, its default planes: forward mode, for
///   `BoundMethod.forward`. Products are counted in `flops`.
/// - `zonotope`: the node's `Zonotope` from its operands' (`LinearBoundEngine.zonotope(of:)`): exact for a
///   linear operation, the middle of its default planes plus one new symbol per neuron for a
///   nonlinearity (`LinearBoundEngine.relaxedZonotope`), for `BoundMethod.zonotope`.
protocol BoundedOperation: GraphOperation {
    /// False when the certifier has no relaxation for the operation's function.
    var isRelaxable: Bool { get }
    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds
    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass)
    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double]
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope
}

extension BoundedOperation {
    var isRelaxable: Bool { true }
}

/// What the forward walk learns of one node: an interval per neuron, and the sound relaxations of a
/// nonlinearity (empty for a linear operation).
struct NodeBounds {
    var lower: [Double]
    var upper: [Double]
    var relaxations: [Relaxation] = []
}

extension ComputationGraph {
    /// Every node's operation with its bound verbs; a function without a relaxation is an error.
    func boundedOperations() throws(CertifierError) -> [any BoundedOperation] {
        var operations: [any BoundedOperation] = []
        operations.reserveCapacity(nodes.count)
        for node in nodes {
            guard let operation = node.operation as? any BoundedOperation, operation.isRelaxable else {
                throw .unsupportedOperation(node.operation.name)
            }
            operations.append(operation)
        }
        return operations
    }
}
