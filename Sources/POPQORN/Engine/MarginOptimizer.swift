import Foundation
import SequenceModels

/// Tightens bounds by choosing, per row and per neuron, which sound relaxation the backward pass uses:
/// alpha-CROWN's idea, over the convex combinations of each neuron's `Relaxation` candidates
/// (`RelaxationMixtures`), so every iterate is a sound bound and the best one per row is kept.
///
/// Each iteration is one recorded backward pass with the current mixtures and its adjoint walk
/// (`AdjointPass`), which gives dB/dC for every node's coefficients; the gradient of each mixture weight
/// follows from it. Rows never mix in a backward pass, so each row's mixture is optimized for that row's
/// bound alone. Adam on the mixtures' softmax logits.
struct MarginOptimizer {
    let iterations: Int
    let learningRate: Double

    /// The best lower bound found for each row of `rows x size(node)` coefficients on `node`, starting
    /// from `initial` (the default relaxations' bounds). Stops early once every row exceeds `target`.
    /// Its passes and products are counted in `engine`.
    func optimize(_ engine: inout LinearBoundEngine, node objectiveNode: NodeID, coefficients objective: [Double],
                  rows: Int, initial: [Double], target: Double) -> [Double] {
        var mixtures = RelaxationMixtures(engine, upTo: objectiveNode, rows: rows)
        var best = initial
        for iteration in 1...max(1, iterations) {
            let pass = BackwardPass(engine, objective: [(objectiveNode, objective)], rows: rows, mixtures: mixtures,
                                    recording: true)
            engine.count(pass)
            for r in 0..<rows { best[r] = max(best[r], pass.offset[r]) }
            if best.allSatisfy({ $0 > target }) || iteration >= iterations { break }
            let adjoint = AdjointPass(pass)
            engine.count(adjoint)
            for id in 0...objectiveNode {
                guard let sides = mixtures.logits[id], let c = pass.stored[id] else { continue }
                let (lowerGradient, upperGradient) = gradient(engine, node: id, c: c, rows: rows, mixtures: mixtures,
                                                              pass: pass, adjoint: adjoint)
                var updated = sides
                Self.adamAscent(&updated.lower, lowerGradient, step: iteration, rate: learningRate)
                Self.adamAscent(&updated.upper, upperGradient, step: iteration, rate: learningRate)
                mixtures.logits[id] = updated
            }
        }
        return best
    }

    /// d(bound)/d(logit) for one node's mixtures on each side: a coefficient a on neuron k with operand
    /// adjoints (gx, gy) gains a (gx p.a + gy p.b + p.c) from candidate p; through the softmax, weight m
    /// moves by w_m (gain_m - mean gain), with the weights the pass used.
    private func gradient(_ engine: LinearBoundEngine, node id: NodeID, c: [Double], rows: Int,
                          mixtures: RelaxationMixtures, pass: BackwardPass, adjoint: AdjointPass) -> (lower: [Double], upper: [Double]) {
        guard let sides = mixtures.logits[id], let used = pass.mixtureWeights[id] else { return ([], []) }
        let operands = engine.operations[id].relaxedOperands
        let gx = adjoint.adjoint(of: operands[0])
        let gy = operands.count > 1 ? adjoint.adjoint(of: operands[1]) : gx
        let choices = engine.relaxations[id]
        let n = choices.count
        var lowerGradient = [Double](repeating: 0, count: sides.lower.values.count)
        var upperGradient = [Double](repeating: 0, count: sides.upper.values.count)
        var gains = [Double](repeating: 0, count: used.stride)
        // Neuron by neuron, so each neuron's candidates are fetched once for all rows.
        for k in 0..<n {
            let choice = choices[k]
            for r in 0..<rows where c[r * n + k] != 0 {
                let i = r * n + k
                let a = c[i]
                let lowerSide = a >= 0
                let count = lowerSide ? sides.lower.count : sides.upper.count
                let base = i * used.stride
                choice.withCandidates(lower: lowerSide) { candidates in
                    var mean = 0.0
                    for m in 0..<count {
                        let p = candidates[min(m, candidates.count - 1)]
                        gains[m] = a * (gx[i] * p.a + gy[i] * p.b + p.c)
                        mean += used.weights[base + m] * gains[m]
                    }
                    for m in 0..<count {
                        let g = used.weights[base + m] * (gains[m] - mean)
                        if lowerSide { lowerGradient[i * count + m] += g } else { upperGradient[i * count + m] += g }
                    }
                }
            }
        }
        return (lowerGradient, upperGradient)
    }

    private static func adamAscent(_ logits: inout RelaxationMixtures.Logits, _ gradient: [Double], step: Int, rate: Double) {
        let (beta1, beta2) = (0.9, 0.999)
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(beta2, Double(step))
        for i in gradient.indices where gradient[i] != 0 {
            logits.first[i] = beta1 * logits.first[i] + (1 - beta1) * gradient[i]
            logits.second[i] = beta2 * logits.second[i] + (1 - beta2) * gradient[i] * gradient[i]
            logits.values[i] += rate * (logits.first[i] / correction1) / ((logits.second[i] / correction2).squareRoot() + 1e-12)
        }
    }
}
