import Foundation
import SequenceModels

/// Per-row convex mixtures of each neuron's sound relaxation candidates: what the margin optimizer
/// searches over. A convex combination of sound lower planes is a sound lower plane (and likewise above),
/// so every mixture gives a sound bound.
///
/// For each nonlinear node and each side, rows x size x count softmax logits; the mixture of (row r,
/// neuron k) on one side weighs that side's candidates by the softmax of its logits.
struct RelaxationMixtures {
    struct Logits {
        let count: Int
        var values: [Double]
        var first: [Double]
        var second: [Double]

        init(rows: Int, size: Int, count: Int) {
            self.count = count
            // The default candidate starts well ahead, so the first iterates stay near the default bound.
            values = (0..<(rows * size * count)).map { $0 % count == 0 ? 2 : 0 }
            first = [Double](repeating: 0, count: values.count)
            second = first
        }
    }

    /// Per node: the lower-side and upper-side logits (nil for nodes without a relaxation).
    var logits: [(lower: Logits, upper: Logits)?]

    init(_ engine: LinearBoundEngine, upTo top: NodeID, rows: Int) {
        logits = (0...top).map { id in
            let choices = engine.relaxations[id]
            guard !choices.isEmpty && engine.perturbed[id] else { return nil }
            return (Logits(rows: rows, size: choices.count, count: choices.map(\.lower.count).max() ?? 1),
                    Logits(rows: rows, size: choices.count, count: choices.map(\.upper.count).max() ?? 1))
        }
    }

    /// The softmax weights of entry `i` (row * size + neuron) on one side; a neuron with fewer candidates
    /// than the node's widest repeats its last one, which changes no mixture.
    func weights(node: NodeID, entry i: Int, lower: Bool) -> [Double] {
        guard let sides = logits[node] else { return [1] }
        let side = lower ? sides.lower : sides.upper
        let base = i * side.count
        var top = -Double.infinity
        for m in 0..<side.count { top = max(top, side.values[base + m]) }
        var weights = (0..<side.count).map { exp(side.values[base + $0] - top) }
        let total = weights.reduce(0, +)
        for m in weights.indices { weights[m] /= total }
        return weights
    }

    /// Each (row, neuron)'s mixed plane on the side its coefficient's sign asks for. A zero coefficient
    /// contributes nothing; it gets the default lower plane, which only the adjoint reads.
    func planes(for node: NodeID, coefficients c: [Double], rows: Int, relaxations: [Relaxation]) -> [Plane] {
        let n = relaxations.count
        var planes = [Plane](repeating: Plane(a: 0, b: 0, c: 0), count: rows * n)
        for i in 0..<(rows * n) {
            let lowerSide = c[i] >= 0
            relaxations[i % n].withCandidates(lower: lowerSide) { candidates in
                guard c[i] != 0, candidates.count > 1 else {
                    planes[i] = candidates[0]
                    return
                }
                var plane = Plane(a: 0, b: 0, c: 0)
                for (m, w) in weights(node: node, entry: i, lower: lowerSide).enumerated() {
                    let p = candidates[min(m, candidates.count - 1)]
                    plane.a += w * p.a
                    plane.b += w * p.b
                    plane.c += w * p.c
                }
                planes[i] = plane
            }
        }
        return planes
    }
}
