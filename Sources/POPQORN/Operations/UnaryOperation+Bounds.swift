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
        result.lower.reserveCapacity(lower.count)
        result.upper.reserveCapacity(lower.count)
        result.relaxations.reserveCapacity(lower.count)
        for k in lower.indices {
            let (range, relaxation) = op.rangeAndRelaxations(lower: lower[k], upper: upper[k])
            result.lower.append(range.0)
            result.upper.append(range.1)
            result.relaxations.append(relaxation)
        }
        return result
    }

    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        pass.relaxedStep(c, node: node, x: source, y: nil)
    }

    /// Each neuron's default lines applied to its operand's bounds: a line of slope a >= 0 keeps the
    /// operand's own side, a < 0 the other (`SymbolicBounds.add`); the intercepts go to the offsets.
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds {
        let planes = engine.defaultPlanes[node]
        let operand = engine.symbolic(of: source)
        let n = planes.count / 2
        var result = SymbolicBounds(size: n, width: operand.width, offset: [Double](repeating: 0, count: n))
        for k in 0..<n {
            result.lowerOffset[k] = planes[2 * k].c
            result.upperOffset[k] = planes[2 * k + 1].c
        }
        result.add(operand, lowerScale: (0..<n).map { planes[2 * $0].a }, upperScale: (0..<n).map { planes[2 * $0 + 1].a })
        result.finish(epsilon: engine.epsilon, terms: 2)
        return result
    }

    /// The function's parallel band on each neuron's interval (`UnaryOperator.parallelBand`).
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope {
        // Checked when the problem was set up (`boundedOperations`).
        guard let op = relaxable else { preconditionFailure("\(function.name) has no relaxation") }
        let bands = engine.lower[source].indices.map { k in
            op.parallelBand(lower: engine.lower[source][k], upper: engine.upper[source][k])
        }
        return engine.bandedZonotope(node: node, bands: bands, x: source, y: nil)
    }

    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        pass.relaxedAdjoint(node: node, x: source, y: nil)
    }
}
