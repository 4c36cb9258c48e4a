import COpenBLAS
import Foundation

/// Tightens the final margin bounds by choosing, per margin row and per neuron, which sound relaxation
/// the final backward pass uses: alpha-CROWN's idea, over the convex combinations of each neuron's
/// `Relaxation` candidates (all sound, see there), so every iterate is a sound bound and the best one
/// per row is kept. Intermediate bounds stay as the forward walk fixed them.
///
/// Each iteration is one weighted backward pass (keeping every node's coefficients and the mixture each
/// neuron used) and one adjoint pass that walks the nodes upwards computing dB/dC for every node's
/// coefficients; the gradient of a neuron's mixture follows from it. Rows never mix in a backward pass,
/// so each row's mixture is optimized for that row's bound alone. Adam on the mixtures' softmax logits.
struct MarginOptimizer {
    let iterations: Int
    let learningRate: Double

    /// The mixture logits of one nonlinear node and their Adam moments, for one side (lower or upper):
    /// rows x size x count.
    private struct Logits {
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

    /// What one nonlinear node used in the last backward pass: per (row, neuron) the mixed plane, the
    /// side, and the mixture weights.
    private struct Usage {
        var planes: [Plane]
        var lowerSide: [Bool]
        var weights: [Double]
        let stride: Int
    }

    /// The best lower bound found for each row of `rows x size(node)` coefficients on `node`, starting
    /// from `initial` (the default relaxations' bounds), and the weighted backward passes it ran. Stops
    /// early once every row exceeds `target`.
    func optimize(_ engine: LinearBoundEngine, node objectiveNode: NodeID, coefficients objective: [Double],
                  rows: Int, initial: [Double], target: Double) -> (bounds: [Double], passes: Int) {
        let graph = engine.graph
        var logits = [(lower: Logits, upper: Logits)?](repeating: nil, count: objectiveNode + 1)
        for id in 0...objectiveNode where !engine.relaxations[id].isEmpty && engine.perturbed[id] {
            let choices = engine.relaxations[id]
            logits[id] = (Logits(rows: rows, size: choices.count, count: choices.map(\.lower.count).max()!),
                          Logits(rows: rows, size: choices.count, count: choices.map(\.upper.count).max()!))
        }
        var best = initial
        var passes = 0
        for iteration in 1...iterations {
            let (bounds, stored, usage) = backward(engine, logits, node: objectiveNode, coefficients: objective, rows: rows)
            passes += 1
            for r in 0..<rows { best[r] = max(best[r], bounds[r]) }
            if best.allSatisfy({ $0 > target }) || iteration == iterations { break }
            let adjoints = adjoint(engine, usage: usage, stored: stored, top: objectiveNode, rows: rows)
            for id in 0...objectiveNode {
                guard var sides = logits[id], let used = usage[id], let c = stored[id] else { continue }
                let n = graph.nodes[id].size
                let (x, y) = graph.nodes[id].operation.nonlinearOperands
                let gradientX = adjoints[x]!, gradientY = y.map { adjoints[$0]! }
                var lowerGradient = [Double](repeating: 0, count: sides.lower.values.count)
                var upperGradient = [Double](repeating: 0, count: sides.upper.values.count)
                let choices = engine.relaxations[id]
                var gains = [Double](repeating: 0, count: used.stride)
                for r in 0..<rows {
                    for k in 0..<n where c[r * n + k] != 0 {
                        let i = r * n + k
                        let a = c[i], gx = gradientX[i], gy = gradientY?[i] ?? 0
                        let lowerSide = used.lowerSide[i]
                        let count = lowerSide ? sides.lower.count : sides.upper.count
                        let weights = used.weights[(i * used.stride)..<(i * used.stride + count)]
                        // d bound / d candidate weight, then through the softmax.
                        choices[k].withCandidates(lower: lowerSide) { candidates in
                            var mean = 0.0
                            for m in 0..<count {
                                let p = candidates[min(m, candidates.count - 1)]
                                gains[m] = a * (gx * p.a + gy * p.b + p.c)
                                mean += weights[weights.startIndex + m] * gains[m]
                            }
                            for m in 0..<count {
                                let g = weights[weights.startIndex + m] * (gains[m] - mean)
                                if lowerSide { lowerGradient[i * count + m] += g } else { upperGradient[i * count + m] += g }
                            }
                        }
                    }
                }
                Self.adamAscent(&sides.lower, lowerGradient, step: iteration, rate: learningRate)
                Self.adamAscent(&sides.upper, upperGradient, step: iteration, rate: learningRate)
                logits[id] = sides
            }
        }
        return (best, passes)
    }

    private static func adamAscent(_ logits: inout Logits, _ gradient: [Double], step: Int, rate: Double) {
        let (beta1, beta2) = (0.9, 0.999)
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(beta2, Double(step))
        for i in gradient.indices where gradient[i] != 0 {
            logits.first[i] = beta1 * logits.first[i] + (1 - beta1) * gradient[i]
            logits.second[i] = beta2 * logits.second[i] + (1 - beta2) * gradient[i] * gradient[i]
            logits.values[i] += rate * (logits.first[i] / correction1) / ((logits.second[i] / correction2).squareRoot() + 1e-12)
        }
    }

    /// The backward pass of `LinearBoundEngine.lowerBounds` with per-row mixed planes, built where the
    /// coefficient's sign asks for them, keeping every node's coefficients and each mixture used.
    private func backward(_ engine: LinearBoundEngine, _ logits: [(lower: Logits, upper: Logits)?], node top: NodeID,
                          coefficients objective: [Double], rows: Int) -> ([Double], [[Double]?], [Usage?]) {
        let graph = engine.graph
        var coefficients = [[Double]?](repeating: nil, count: top + 1)
        var stored = [[Double]?](repeating: nil, count: top + 1)
        var usage = [Usage?](repeating: nil, count: top + 1)
        var offset = [Double](repeating: 0, count: rows)
        func accumulate(_ node: NodeID, _ update: (inout [Double]) -> Void) {
            var buffer = coefficients[node] ?? [Double](repeating: 0, count: rows * graph.nodes[node].size)
            coefficients[node] = nil
            update(&buffer)
            coefficients[node] = buffer
        }
        coefficients[top] = objective
        for id in stride(from: top, through: 0, by: -1) {
            guard let c = coefficients[id] else { continue }
            coefficients[id] = nil
            stored[id] = c
            let n = graph.nodes[id].size
            if !engine.perturbed[id] {
                GEMM.accumulate(&offset, c, vector: engine.centre[id], m: rows, k: n)
                continue
            }
            switch graph.nodes[id].operation {
            case .input(let step):
                GEMM.accumulate(&offset, c, vector: engine.centre[id], m: rows, k: n)
                if engine.frames.contains(step) {
                    c.withUnsafeBufferPointer { all in
                        for r in 0..<rows {
                            offset[r] -= engine.epsilon * engine.norm.dual(UnsafeBufferPointer(rebasing: all[(r * n)..<((r + 1) * n)]))
                        }
                    }
                }
            case let .affine(terms, bias):
                GEMM.accumulate(&offset, c, vector: bias, m: rows, k: n)
                for term in terms {
                    accumulate(term.node) { buffer in
                        switch term.map {
                        case .dense(let m): GEMM.accumulate(&buffer, c, m.storage, m: rows, n: m.columns, k: n)
                        case .identity: for i in buffer.indices { buffer[i] += c[i] }
                        }
                    }
                }
            case .unary, .binary:
                let (x, y) = graph.nodes[id].operation.nonlinearOperands
                let used = mix(engine.relaxations[id], logits[id]!, coefficients: c, rows: rows)
                usage[id] = used
                accumulate(x) { bx in
                    for i in 0..<(rows * n) where c[i] != 0 { bx[i] += c[i] * used.planes[i].a }
                }
                if let y {
                    accumulate(y) { by in
                        for i in 0..<(rows * n) where c[i] != 0 { by[i] += c[i] * used.planes[i].b }
                    }
                }
                for r in 0..<rows {
                    var shift = 0.0
                    for k in 0..<n { shift += c[r * n + k] * used.planes[r * n + k].c }
                    offset[r] += shift
                }
            }
        }
        return (offset, stored, usage)
    }

    /// Each (row, neuron)'s mixed plane on the side its coefficient's sign asks for. A zero coefficient
    /// contributes nothing; its default lower plane only serves the adjoint.
    private func mix(_ choices: [Relaxation], _ logits: (lower: Logits, upper: Logits), coefficients c: [Double], rows: Int) -> Usage {
        let n = choices.count
        let stride = max(logits.lower.count, logits.upper.count)
        var used = Usage(planes: [Plane](repeating: Plane(a: 0, b: 0, c: 0), count: rows * n),
                         lowerSide: [Bool](repeating: true, count: rows * n),
                         weights: [Double](repeating: 0, count: rows * n * stride), stride: stride)
        for r in 0..<rows {
            for k in 0..<n {
                let i = r * n + k
                let lowerSide = c[i] >= 0
                used.lowerSide[i] = lowerSide
                choices[k].withCandidates(lower: lowerSide) { candidates in
                    guard c[i] != 0, candidates.count > 1 else {
                        used.planes[i] = candidates[0]
                        used.weights[i * stride] = 1
                        return
                    }
                    let side = lowerSide ? logits.lower : logits.upper
                    let base = i * side.count
                    var top = -Double.infinity
                    for m in 0..<side.count { top = max(top, side.values[base + m]) }
                    var total = 0.0
                    for m in 0..<side.count {
                        let w = exp(side.values[base + m] - top)
                        used.weights[i * stride + m] = w
                        total += w
                    }
                    var plane = Plane(a: 0, b: 0, c: 0)
                    for m in 0..<side.count {
                        let w = used.weights[i * stride + m] / total
                        used.weights[i * stride + m] = w
                        let p = candidates[min(m, candidates.count - 1)]
                        plane.a += w * p.a
                        plane.b += w * p.b
                        plane.c += w * p.c
                    }
                    used.planes[i] = plane
                }
            }
        }
        return used
    }

    /// dB_r / dC_node[r, :] for every node the backward pass reached, walking upwards: a node's
    /// coefficients act on the bound only through its inputs, whose adjoints are known by then.
    private func adjoint(_ engine: LinearBoundEngine, usage: [Usage?], stored: [[Double]?], top: NodeID, rows: Int) -> [[Double]?] {
        let graph = engine.graph
        var adjoints = [[Double]?](repeating: nil, count: top + 1)
        for id in 0...top {
            guard let c = stored[id] else { continue }
            let n = graph.nodes[id].size
            var g = [Double](repeating: 0, count: rows * n)
            func broadcast(_ vector: [Double]) { for r in 0..<rows { for k in 0..<n { g[r * n + k] += vector[k] } } }
            if !engine.perturbed[id] {
                broadcast(engine.centre[id])
                adjoints[id] = g
                continue
            }
            switch graph.nodes[id].operation {
            case .input(let step):
                broadcast(engine.centre[id])
                if engine.frames.contains(step) {
                    for r in 0..<rows {
                        engine.norm.subtractDualGradient(of: c, row: r, width: n, scale: engine.epsilon, from: &g)
                    }
                }
            case let .affine(terms, bias):
                broadcast(bias)
                for term in terms {
                    let source = adjoints[term.node] ?? [Double](repeating: 0, count: rows * graph.nodes[term.node].size)
                    switch term.map {
                    case .dense(let m):
                        // g (rows x n) += source (rows x columns) * m^T (columns x n)
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(m.columns),
                                    1, source, Int32(m.columns), m.storage, Int32(m.columns), 1, &g, Int32(n))
                    case .identity:
                        for i in g.indices { g[i] += source[i] }
                    }
                }
            case .unary, .binary:
                let (x, y) = graph.nodes[id].operation.nonlinearOperands
                let planes = usage[id]!.planes
                let gx = adjoints[x] ?? [Double](repeating: 0, count: rows * n)
                let gy = y.map { adjoints[$0] ?? [Double](repeating: 0, count: rows * n) }
                for i in 0..<(rows * n) {
                    g[i] = gx[i] * planes[i].a + (gy?[i] ?? 0) * planes[i].b + planes[i].c
                }
            }
            adjoints[id] = g
        }
        return adjoints
    }
}
