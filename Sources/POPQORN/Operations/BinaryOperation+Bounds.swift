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
            let (range, relaxation) = op.rangeAndRelaxations(on: box, fitted: engine.fittedPlanes)
            result.lower.append(range.0)
            result.upper.append(range.1)
            result.relaxations.append(relaxation)
        }
        return result
    }

    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        pass.relaxedStep(c, node: node, x: x, y: y)
    }

    /// Each neuron's default planes a x + b y + c applied to the operands' bounds, each coefficient taking
    /// the side its sign keeps a bound (`SymbolicBounds.add`); one operand used twice gets a + b.
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds {
        let planes = engine.defaultPlanes[node]
        let n = planes.count / 2
        let (first, second) = (engine.symbolic(of: x), engine.symbolic(of: y))
        var result = SymbolicBounds(size: n, width: max(first.width, second.width), offset: [Double](repeating: 0, count: n))
        for k in 0..<n {
            result.lowerOffset[k] = planes[2 * k].c
            result.upperOffset[k] = planes[2 * k + 1].c
        }
        if x == y {
            result.add(first, lowerScale: (0..<n).map { planes[2 * $0].a + planes[2 * $0].b },
                       upperScale: (0..<n).map { planes[2 * $0 + 1].a + planes[2 * $0 + 1].b })
        } else {
            result.add(first, lowerScale: (0..<n).map { planes[2 * $0].a }, upperScale: (0..<n).map { planes[2 * $0 + 1].a })
            result.add(second, lowerScale: (0..<n).map { planes[2 * $0].b }, upperScale: (0..<n).map { planes[2 * $0 + 1].b })
        }
        result.finish(epsilon: engine.epsilon, terms: 3)
        return result
    }

    /// The function's parallel band on each neuron's box (`BinaryOperator.parallelBand`).
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope {
        guard let op = relaxable else { preconditionFailure("\(function.name) has no relaxation") }
        let bands = engine.lower[x].indices.map { k in
            op.parallelBand(on: Box(xl: engine.lower[x][k], xu: engine.upper[x][k], yl: engine.lower[y][k], yu: engine.upper[y][k]))
        }
        return engine.bandedZonotope(node: node, bands: bands, x: x, y: y)
    }

    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        pass.relaxedAdjoint(node: node, x: x, y: y)
    }
}
