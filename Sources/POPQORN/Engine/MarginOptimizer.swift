import COpenBLAS
import Foundation

/// Tightens the final margin bounds by choosing, per margin row and per neuron, which sound relaxation
/// the final backward pass uses: alpha-CROWN's idea, over the convex combinations of each neuron's
/// `Relaxation` candidates (which are all sound, see there), so every iterate is a sound bound and the
/// best one per row is kept. Intermediate bounds stay as the forward walk fixed them.
///
/// Each iteration is one weighted backward pass (coefficients kept per node) and one adjoint pass that
/// walks the nodes upwards computing dB/dC for every node's coefficients; the gradient with respect to
/// a neuron's mixture follows from it. Rows never mix in a backward pass, so each row's mixture is
/// optimized for that row's bound alone. Adam on the softmax logits of the mixtures.
struct MarginOptimizer {
    let iterations: Int
    let learningRate: Double

    /// Mixture logits of one nonlinear node: rows x size x candidates, for each side.
    private struct Mixture {
        var lower: [Double]
        var upper: [Double]
        let lowerCount: Int
        let upperCount: Int
        var lowerMoments: (first: [Double], second: [Double])
        var upperMoments: (first: [Double], second: [Double])
    }

    /// The best lower bound found for each row of `rows x size(node)` coefficients on `node`, starting
    /// from `initial` (the default relaxations' bounds). Stops early once every row exceeds `target`.
    func optimize(_ engine: LinearBoundEngine, node objectiveNode: NodeID, coefficients objective: [Double],
                  rows: Int, initial: [Double], target: Double) -> [Double] {
        let graph = engine.graph
        var mixtures = [Mixture?](repeating: nil, count: objectiveNode + 1)
        for id in 0...objectiveNode where !engine.relaxations[id].isEmpty && engine.perturbed[id] {
            let choices = engine.relaxations[id]
            let n = choices.count
            let lowerCount = choices.map(\.lower.count).max()!, upperCount = choices.map(\.upper.count).max()!
            // The default candidate starts well ahead, so the first iterates stay near the default bound.
            func start(_ count: Int) -> [Double] { (0..<(rows * n * count)).map { $0 % count == 0 ? 2 : 0 } }
            let zerosLower = [Double](repeating: 0, count: rows * n * lowerCount)
            let zerosUpper = [Double](repeating: 0, count: rows * n * upperCount)
            mixtures[id] = Mixture(lower: start(lowerCount), upper: start(upperCount), lowerCount: lowerCount,
                                   upperCount: upperCount, lowerMoments: (zerosLower, zerosLower),
                                   upperMoments: (zerosUpper, zerosUpper))
        }
        var best = initial
        for iteration in 1...iterations {
            let planes = mixedPlanes(engine, mixtures, rows: rows)
            let (bounds, stored) = backward(engine, planes: planes, node: objectiveNode, coefficients: objective, rows: rows)
            for r in 0..<rows { best[r] = max(best[r], bounds[r]) }
            if best.allSatisfy({ $0 > target }) || iteration == iterations { break }
            let adjoints = adjoint(engine, planes: planes, stored: stored, top: objectiveNode, rows: rows)
            for id in 0...objectiveNode {
                guard var mixture = mixtures[id], let c = stored[id] else { continue }
                let n = graph.nodes[id].size
                let (x, y) = Self.operands(graph.nodes[id].operation)
                var gradientLower = [Double](repeating: 0, count: mixture.lower.count)
                var gradientUpper = [Double](repeating: 0, count: mixture.upper.count)
                let choices = engine.relaxations[id]
                let gradientX = adjoints[x]!, gradientY = y.map { adjoints[$0]! }
                var weights = [Double](repeating: 0, count: max(mixture.lowerCount, mixture.upperCount))
                var gains = weights
                for r in 0..<rows {
                    for k in 0..<n where c[r * n + k] != 0 {
                        let a = c[r * n + k]
                        let gx = gradientX[r * n + k], gy = gradientY?[r * n + k] ?? 0
                        let isLower = a >= 0
                        let count = isLower ? mixture.lowerCount : mixture.upperCount
                        let base = (r * n + k) * count
                        Self.softmax(isLower ? mixture.lower : mixture.upper, base: base, count: count, into: &weights)
                        var mean = 0.0
                        choices[k].withCandidates(lower: isLower) { candidates in
                            for i in 0..<count {
                                let p = candidates[min(i, candidates.count - 1)]
                                gains[i] = a * (gx * p.a + gy * p.b + p.c)
                                mean += weights[i] * gains[i]
                            }
                        }
                        for i in 0..<count {
                            let g = weights[i] * (gains[i] - mean)
                            if isLower { gradientLower[base + i] += g } else { gradientUpper[base + i] += g }
                        }
                    }
                }
                Self.adamAscent(&mixture.lower, &mixture.lowerMoments, gradientLower, step: iteration, rate: learningRate)
                Self.adamAscent(&mixture.upper, &mixture.upperMoments, gradientUpper, step: iteration, rate: learningRate)
                mixtures[id] = mixture
            }
        }
        return best
    }

    private static func operands(_ operation: BoundGraph.Operation) -> (NodeID, NodeID?) {
        switch operation {
        case .unary(_, let source): return (source, nil)
        case let .binary(_, x, y): return (x, y)
        default: preconditionFailure("only nonlinear nodes have mixtures")
        }
    }

    /// softmax of logits[base ..< base + count] into weights[0 ..< count].
    @inline(__always)
    private static func softmax(_ logits: [Double], base: Int, count: Int, into weights: inout [Double]) {
        var top = -Double.infinity
        for i in 0..<count { top = max(top, logits[base + i]) }
        var total = 0.0
        for i in 0..<count {
            weights[i] = exp(logits[base + i] - top)
            total += weights[i]
        }
        for i in 0..<count { weights[i] /= total }
    }

    private static func adamAscent(_ values: inout [Double], _ moments: inout (first: [Double], second: [Double]),
                                   _ gradient: [Double], step: Int, rate: Double) {
        let (beta1, beta2) = (0.9, 0.999)
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(beta2, Double(step))
        for i in values.indices where gradient[i] != 0 {
            moments.first[i] = beta1 * moments.first[i] + (1 - beta1) * gradient[i]
            moments.second[i] = beta2 * moments.second[i] + (1 - beta2) * gradient[i] * gradient[i]
            values[i] += rate * (moments.first[i] / correction1) / ((moments.second[i] / correction2).squareRoot() + 1e-12)
        }
    }

    /// Each row's mixed lower and upper plane for every neuron: rows x size entries per side.
    private func mixedPlanes(_ engine: LinearBoundEngine, _ mixtures: [Mixture?], rows: Int) -> [(lower: [Plane], upper: [Plane])?] {
        mixtures.enumerated().map { id, mixture in
            guard let mixture else { return nil }
            let choices = engine.relaxations[id]
            let n = choices.count
            func mix(_ logits: [Double], count: Int, lower: Bool) -> [Plane] {
                var planes = [Plane](repeating: Plane(a: 0, b: 0, c: 0), count: rows * n)
                var weights = [Double](repeating: 0, count: count)
                for k in 0..<n {
                    choices[k].withCandidates(lower: lower) { candidates in
                        // One candidate: every mixture is that plane.
                        if candidates.count == 1 {
                            for r in 0..<rows { planes[r * n + k] = candidates[0] }
                            return
                        }
                        for r in 0..<rows {
                            Self.softmax(logits, base: (r * n + k) * count, count: count, into: &weights)
                            var plane = Plane(a: 0, b: 0, c: 0)
                            for i in 0..<count {
                                let p = candidates[min(i, candidates.count - 1)]
                                plane.a += weights[i] * p.a
                                plane.b += weights[i] * p.b
                                plane.c += weights[i] * p.c
                            }
                            planes[r * n + k] = plane
                        }
                    }
                }
                return planes
            }
            return (mix(mixture.lower, count: mixture.lowerCount, lower: true), mix(mixture.upper, count: mixture.upperCount, lower: false))
        }
    }

    /// The backward pass of `LinearBoundEngine.lowerBounds` with per-row planes, keeping every node's
    /// coefficients for the adjoint pass.
    private func backward(_ engine: LinearBoundEngine, planes: [(lower: [Plane], upper: [Plane])?], node top: NodeID,
                          coefficients objective: [Double], rows: Int) -> ([Double], [[Double]?]) {
        let graph = engine.graph
        var coefficients = [[Double]?](repeating: nil, count: top + 1)
        var stored = [[Double]?](repeating: nil, count: top + 1)
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
                let (x, y) = Self.operands(graph.nodes[id].operation)
                let mixed = planes[id]!
                var shift = [Double](repeating: 0, count: rows)
                accumulate(x) { bx in
                    for r in 0..<rows {
                        for k in 0..<n where c[r * n + k] != 0 {
                            let a = c[r * n + k]
                            let p = a >= 0 ? mixed.lower[r * n + k] : mixed.upper[r * n + k]
                            bx[r * n + k] += a * p.a
                            shift[r] += a * p.c
                        }
                    }
                }
                if let y {
                    accumulate(y) { by in
                        for r in 0..<rows {
                            for k in 0..<n where c[r * n + k] != 0 {
                                let a = c[r * n + k]
                                by[r * n + k] += a * (a >= 0 ? mixed.lower[r * n + k] : mixed.upper[r * n + k]).b
                            }
                        }
                    }
                }
                for r in 0..<rows { offset[r] += shift[r] }
            }
        }
        return (offset, stored)
    }

    /// dB_r / dC_node[r, :] for every node the backward pass reached, walking upwards: a node's
    /// coefficients act on the bound only through its inputs, whose adjoints are known by then.
    private func adjoint(_ engine: LinearBoundEngine, planes: [(lower: [Plane], upper: [Plane])?], stored: [[Double]?],
                         top: NodeID, rows: Int) -> [[Double]?] {
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
                let (x, y) = Self.operands(graph.nodes[id].operation)
                let mixed = planes[id]!
                let gx = adjoints[x] ?? [Double](repeating: 0, count: rows * n)
                let gy = y.map { adjoints[$0] ?? [Double](repeating: 0, count: rows * n) }
                for i in 0..<(rows * n) {
                    let p = c[i] >= 0 ? mixed.lower[i] : mixed.upper[i]
                    g[i] = gx[i] * p.a + (gy?[i] ?? 0) * p.b + p.c
                }
            }
            adjoints[id] = g
        }
        return adjoints
    }
}
