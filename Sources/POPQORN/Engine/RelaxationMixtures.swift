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

    /// What one node's mixtures gave in a backward pass: per (row, neuron) entry i the mixed plane, and
    /// the softmax weights of its side's candidates at `weights[i * stride ..< i * stride + count]`.
    struct Mixed {
        var planes: [Plane]
        var weights: [Double]
        let stride: Int
    }

    /// Each (row, neuron)'s mixed plane on the side its coefficient's sign asks for, with the weights
    /// used. A zero coefficient contributes nothing; it gets the default lower plane, which only the
    /// adjoint reads. A neuron with fewer candidates than the node's widest repeats its last one, which
    /// changes no mixture.
    func mix(node: NodeID, coefficients c: [Double], rows: Int, relaxations: [Relaxation]) -> Mixed {
        let n = relaxations.count
        guard let sides = logits[node] else {
            // Nothing to mix: each entry's default plane on its coefficient's side, as without mixtures.
            return Mixed(planes: (0..<(rows * n)).map { c[$0] >= 0 ? relaxations[$0 % n].lower[0] : relaxations[$0 % n].upper[0] },
                         weights: [], stride: 0)
        }
        let stride = max(sides.lower.count, sides.upper.count)
        var mixed = Mixed(planes: [Plane](repeating: Plane(a: 0, b: 0, c: 0), count: rows * n),
                          weights: [Double](repeating: 0, count: rows * n * stride), stride: stride)
        // Neuron by neuron, so each neuron's candidates are fetched once for all rows; logits are read
        // through buffers, so choosing a side copies nothing.
        sides.lower.values.withUnsafeBufferPointer { lowerValues in
            sides.upper.values.withUnsafeBufferPointer { upperValues in
                for k in 0..<n {
                    let relaxation = relaxations[k]
                    for r in 0..<rows {
                        let i = r * n + k
                        let lowerSide = c[i] >= 0
                        let (values, count) = lowerSide ? (lowerValues, sides.lower.count) : (upperValues, sides.upper.count)
                        relaxation.withCandidates(lower: lowerSide) { candidates in
                            guard c[i] != 0, candidates.count > 1 else {
                                mixed.planes[i] = candidates[0]
                                mixed.weights[i * stride] = 1
                                return
                            }
                            let base = i * count
                            var top = -Double.infinity
                            for m in 0..<count { top = max(top, values[base + m]) }
                            var total = 0.0
                            for m in 0..<count {
                                let w = exp(values[base + m] - top)
                                mixed.weights[i * stride + m] = w
                                total += w
                            }
                            var plane = Plane(a: 0, b: 0, c: 0)
                            for m in 0..<count {
                                let w = mixed.weights[i * stride + m] / total
                                mixed.weights[i * stride + m] = w
                                let p = candidates[min(m, candidates.count - 1)]
                                plane.a += w * p.a
                                plane.b += w * p.b
                                plane.c += w * p.c
                            }
                            mixed.planes[i] = plane
                        }
                    }
                }
            }
        }
        return mixed
    }
}
