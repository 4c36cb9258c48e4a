import SequenceModels

/// f(x, y) per neuron, relaxed by the planes of its `BinaryOperator` conformance (`Operators/`) on the box
/// of the two operands' bounds.
extension BinaryOperation: BoundedOperation {
    private var relaxable: (any BinaryOperator.Type)? { function as? any BinaryOperator.Type }

    var isRelaxable: Bool { relaxable != nil }

    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds {
        // Checked when the problem was set up (`boundedOperations`).
        guard let op = relaxable else { preconditionFailure("\(function.name) has no relaxation") }
        var result = NodeBounds(lower: [], upper: [], relaxations: [])
        for k in engine.lower[x].indices {
            let box = Box(xl: engine.lower[x][k], xu: engine.upper[x][k], yl: engine.lower[y][k], yu: engine.upper[y][k])
            let (low, high) = op.range(on: box)
            result.lower.append(low)
            result.upper.append(high)
            result.relaxations.append(engine.fittedPlanes ? op.relaxations(on: box) : op.quickRelaxations(on: box))
        }
        return result
    }

    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        pass.relaxedStep(c, node: node, x: x, y: y)
    }

    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        pass.relaxedAdjoint(node: node, x: x, y: y)
    }
}
