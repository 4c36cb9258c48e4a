import SequenceModels

/// f(x) per neuron, relaxed by the lines of its `UnaryOperator` conformance (`Operators/`).
extension UnaryOperation: BoundedOperation {
    private var relaxable: (any UnaryOperator.Type)? { function as? any UnaryOperator.Type }

    var isRelaxable: Bool { relaxable != nil }

    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds {
        // Checked when the problem was set up (`boundedOperations`).
        guard let op = relaxable else { preconditionFailure("\(function.name) has no relaxation") }
        let (lower, upper) = (engine.lower[source], engine.upper[source])
        var result = NodeBounds(lower: [], upper: [], relaxations: [])
        for k in lower.indices {
            let (low, high) = op.range(lower: lower[k], upper: upper[k])
            result.lower.append(low)
            result.upper.append(high)
            result.relaxations.append(op.relaxations(lower: lower[k], upper: upper[k]))
        }
        return result
    }

    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        pass.relaxedStep(c, node: node, x: source, y: nil)
    }

    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        pass.relaxedAdjoint(node: node, x: source, y: nil)
    }
}
