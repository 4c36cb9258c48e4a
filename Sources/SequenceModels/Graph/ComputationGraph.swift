/// A model unrolled over a sequence: vectors (nodes) joined by operations (affine maps, element-wise
/// functions, element-wise products of two vectors). The forward pass evaluates it, attacks
/// differentiate it, and the certifier bounds it: all three read the cells' one description of their
/// equations (`RecurrentCell`).
public struct ComputationGraph: Sendable {
    public struct Node: Sendable {
        public let operation: any GraphOperation
        public let size: Int
        /// The time step whose computation appended the node (for the input nodes, their frame), so a
        /// bound method can tell how far back in time a node lies.
        public let step: Int
        /// Some operation relaxes this node's value, so the certifier must bound it.
        public internal(set) var needsBounds = false
    }

    public private(set) var nodes: [Node] = []
    /// Where each node's value starts in a flat buffer of all values; the last entry is the total.
    public private(set) var offsets: [Int] = [0]
    /// The step that nodes appended from now on belong to; the unrolling sets it.
    public var currentStep = 0

    public init() {}

    /// Appends a node; every operand must already be in the graph and fit (checked by the typed builders
    /// below, which every cell uses).
    private mutating func append(_ operation: any GraphOperation, size: Int) -> NodeID {
        for operand in operation.relaxedOperands { nodes[operand].needsBounds = true }
        nodes.append(Node(operation: operation, size: size, step: currentStep))
        offsets.append(offsets[offsets.count - 1] + size)
        return nodes.count - 1
    }

    public mutating func input(step: Int, size: Int) -> NodeID {
        append(InputOperation(step: step), size: size)
    }

    /// An affine node; `terms` may be empty (a constant vector such as a bias). Shapes come from the
    /// model's own validated weights, so a mismatch is a programming error in a cell.
    public mutating func affine(_ terms: [(node: NodeID, map: LinearMap)], bias: [Double]) -> NodeID {
        for term in terms {
            switch term.map {
            case .dense(let m): precondition(m.columns == nodes[term.node].size && m.rows == bias.count, "affine term does not fit")
            case .scaled: precondition(nodes[term.node].size == bias.count, "scaled term does not fit")
            }
        }
        return append(AffineOperation(terms: terms, bias: bias), size: bias.count)
    }

    public mutating func unary(_ function: any ElementwiseFunction.Type, _ source: NodeID) -> NodeID {
        append(UnaryOperation(function: function, source: source), size: nodes[source].size)
    }

    /// The element-wise maximum of `sources` (all of one size).
    public mutating func max(_ sources: [NodeID]) -> NodeID {
        precondition(!sources.isEmpty && sources.allSatisfy { nodes[$0].size == nodes[sources[0]].size }, "max operands differ in size")
        return append(MaxOperation(sources: sources), size: nodes[sources[0]].size)
    }

    public mutating func binary(_ function: any PairwiseFunction.Type, x: NodeID, y: NodeID) -> NodeID {
        precondition(nodes[x].size == nodes[y].size, "binary operands differ in size")
        return append(BinaryOperation(function: function, x: x, y: y), size: nodes[x].size)
    }
}
