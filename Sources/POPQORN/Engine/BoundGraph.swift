import SequenceModels

/// The index of a node in a `BoundGraph`. Nodes are appended in topological order: a node's inputs
/// always have smaller ids, so a backward pass is a walk down the ids.
public typealias NodeID = Int

/// How an affine node reads one of its inputs.
public enum LinearMap: Sendable {
    /// out = M * in.
    case dense(Matrix)
    /// out = in.
    case identity
}

/// An unrolled network as the bound engine sees it: vectors (nodes) joined by affine maps, element-wise
/// nonlinearities and element-wise cross-nonlinearities. A recurrent cell describes its step by appending
/// nodes (see `CellUnrolling`); the engine never needs to know which cell it is bounding.
public struct BoundGraph: Sendable {
    public enum Operation: Sendable {
        /// Frame `step` of the input sequence: perturbed or fixed, as the perturbation says.
        case input(step: Int)
        /// sum_i map_i(node_i) + bias.
        case affine([(node: NodeID, map: LinearMap)], bias: [Double])
        case unary(any UnaryOperator.Type, NodeID)
        case binary(any BinaryOperator.Type, x: NodeID, y: NodeID)
    }

    public struct Node: Sendable {
        public let operation: Operation
        public let size: Int
        /// Inputs of a nonlinearity need bounds before it can be relaxed.
        public internal(set) var needsBounds = false
    }

    public private(set) var nodes: [Node] = []

    public init() {}

    public mutating func input(step: Int, size: Int) -> NodeID {
        append(.input(step: step), size: size)
    }

    /// An affine node; `terms` may be empty (a constant vector such as a bias).
    public mutating func affine(_ terms: [(node: NodeID, map: LinearMap)], bias: [Double]) -> NodeID {
        for term in terms {
            if case .dense(let m) = term.map {
                precondition(m.columns == nodes[term.node].size && m.rows == bias.count, "affine term does not fit")
            } else {
                precondition(nodes[term.node].size == bias.count, "identity term does not fit")
            }
        }
        return append(.affine(terms, bias: bias), size: bias.count)
    }

    public mutating func unary(_ op: any UnaryOperator.Type, _ source: NodeID) -> NodeID {
        nodes[source].needsBounds = true
        return append(.unary(op, source), size: nodes[source].size)
    }

    public mutating func binary(_ op: any BinaryOperator.Type, x: NodeID, y: NodeID) -> NodeID {
        precondition(nodes[x].size == nodes[y].size, "binary operands differ in size")
        nodes[x].needsBounds = true
        nodes[y].needsBounds = true
        return append(.binary(op, x: x, y: y), size: nodes[x].size)
    }

    private mutating func append(_ operation: Operation, size: Int) -> NodeID {
        nodes.append(Node(operation: operation, size: size))
        return nodes.count - 1
    }
}

extension BoundGraph.Operation {
    /// The inputs of a nonlinearity: (source, nil) for a one-input operator, (x, y) for a cross one.
    var nonlinearOperands: (NodeID, NodeID?) {
        switch self {
        case .unary(_, let source): return (source, nil)
        case let .binary(_, x, y): return (x, y)
        default: preconditionFailure("only nonlinear nodes have operands to relax")
        }
    }
}
