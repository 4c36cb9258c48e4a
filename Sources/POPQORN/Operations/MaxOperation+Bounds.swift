import SequenceModels

/// max_j x_j per neuron (max pooling over time), relaxed as CROWN relaxes a max:
/// - below by the input j* with the largest lower bound: max_j x_j >= x_j* holds everywhere;
/// - above by the constant max_j u_j (every x_j <= u_j), or exactly by x_j* when j* dominates (its lower
///   bound is at least every other input's upper bound, so the max is x_j* on the whole box).
/// A coefficient a >= 0 takes the lower side, a < 0 the upper side, so each row stays a lower bound.
extension MaxOperation: BoundedOperation {
    /// Per neuron: the input with the largest lower bound, whether it dominates, and the largest upper bound.
    private func relaxation(in engine: LinearBoundEngine, size n: Int) -> [(best: Int, dominant: Bool, upper: Double)] {
        (0..<n).map { k in
            var best = 0, upper = -Double.infinity
            for j in sources.indices {
                if engine.lower[sources[j]][k] > engine.lower[sources[best]][k] { best = j }
                upper = Swift.max(upper, engine.upper[sources[j]][k])
            }
            let lowerBest = engine.lower[sources[best]][k]
            let dominant = sources.indices.allSatisfy { $0 == best || engine.upper[sources[$0]][k] <= lowerBest }
            return (best, dominant, upper)
        }
    }

    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds {
        let n = engine.sizes[node]
        var result = NodeBounds(lower: [Double](repeating: -.infinity, count: n), upper: [Double](repeating: -.infinity, count: n))
        for source in sources {
            for k in 0..<n {
                result.lower[k] = Swift.max(result.lower[k], engine.lower[source][k])
                result.upper[k] = Swift.max(result.upper[k], engine.upper[source][k])
            }
        }
        return result
    }

    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        let n = pass.engine.sizes[node]
        let choice = relaxation(in: pass.engine, size: n)
        var next = [Int: [Double]]()
        for r in 0..<pass.rows {
            var shift = 0.0
            for k in 0..<n where c[r * n + k] != 0 {
                let a = c[r * n + k]
                if a >= 0 || choice[k].dominant {
                    next[choice[k].best, default: [Double](repeating: 0, count: pass.rows * n)][r * n + k] += a
                } else {
                    shift += a * choice[k].upper
                }
            }
            pass.offset[r] += shift
        }
        for (j, coefficients) in next { pass.add(coefficients, to: sources[j]) }
    }

    /// Below by the chosen input's lower bound; above by its upper bound where it dominates, else by the
    /// constant largest upper bound.
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds {
        let n = engine.sizes[node]
        let choice = relaxation(in: engine, size: n)
        let operands = sources.map { engine.symbolic(of: $0) }
        var result = SymbolicBounds(size: n, width: operands.map(\.width).max() ?? 0,
                                    offset: [Double](repeating: 0, count: n))
        for k in 0..<n where !choice[k].dominant { result.upperOffset[k] = choice[k].upper }
        for (j, operand) in operands.enumerated() {
            let chosen = choice.map { $0.best == j ? 1.0 : 0.0 }
            let dominant = (0..<n).map { choice[$0].best == j && choice[$0].dominant ? 1.0 : 0.0 }
            guard chosen.contains(1) else { continue }
            result.add(operand, lowerScale: chosen, upperScale: dominant)
        }
        result.finish(epsilon: engine.epsilon, terms: 2)
        return result
    }

    /// The chosen input where it dominates; elsewhere the middle of [x_j*, max_j u_j] with half its
    /// largest width, (max_j u_j - l_j*) / 2, on the neuron's own symbol.
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope {
        let n = engine.sizes[node]
        let choice = relaxation(in: engine, size: n)
        var intercept = [Double](repeating: 0, count: n), halfWidth = intercept
        var slopes = sources.map { _ in intercept }
        for k in 0..<n {
            if choice[k].dominant {
                slopes[choice[k].best][k] = 1
                continue
            }
            let lowest = engine.lower[sources[choice[k].best]][k]
            slopes[choice[k].best][k] = 0.5
            intercept[k] = choice[k].upper / 2
            halfWidth[k] = (choice[k].upper - lowest) / 2 + 1e-15 * (abs(choice[k].upper) + abs(lowest))
        }
        let operands = sources.indices.filter { slopes[$0].contains { $0 != 0 } }.map { (sources[$0], slopes[$0]) }
        return engine.relaxedZonotope(node: node, operands: operands, intercept: intercept, halfWidth: halfWidth)
    }

    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        let engine = pass.pass.engine
        let n = engine.sizes[node]
        let choice = relaxation(in: engine, size: n)
        let inputs = choice.map { pass.adjoint(of: sources[$0.best]) }
        return (0..<(pass.rows * n)).map { i in
            let k = i % n
            return c[i] >= 0 || choice[k].dominant ? inputs[k][i] : choice[k].upper
        }
    }
}
