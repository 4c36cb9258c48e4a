/// The relaxed network at one radius: interval and linear bounds of every node, and the relaxation of
/// every nonlinearity, built forward in time as POPQORN does.
///
/// Walking the nodes in order, each nonlinearity is relaxed as soon as it is reached. Its inputs need
/// bounds first: every input still waiting for them (and every other waiting node before it) gets them
/// from one batched backward pass (`lowerBounds(of:)`) through the relaxations already fixed, intersected
/// with interval arithmetic. The final objective is then one more backward pass.
struct LinearBoundEngine {
    let graph: BoundGraph
    let centre: [[Double]]
    let perturbed: [Bool]
    let norm: Norm
    let frames: FrameSelection
    let epsilon: Double

    private(set) var lower: [[Double]] = []
    private(set) var upper: [[Double]] = []
    private var refined: [Bool]
    /// Each nonlinearity's sound relaxations, per neuron; the passes here use the first of each side.
    private(set) var relaxations: [[Relaxation]]
    /// Backward passes run so far, the unit of work the certificates report.
    private(set) var passes = 0
    /// Floating-point operations in the passes' matrix products, for the benchmark's GFLOP/s.
    private(set) var flops = 0
    /// True when the deadline stopped the walk: the bounds are then incomplete and certify nothing.
    private(set) var interrupted = false
    /// Margin-optimizer iterations spent on each intermediate bound (0: the default relaxations only).
    let intermediateIterations: Int

    /// Relaxes the whole graph, unless `deadline` passes first (checked between nodes, so a long
    /// sequence cannot hold a worker past its budget).
    init(graph: BoundGraph, centre: [[Double]], perturbed: [Bool], perturbation: Perturbation, epsilon: Double,
         intermediateIterations: Int = 0, deadline: ContinuousClock.Instant? = nil) {
        self.graph = graph
        self.intermediateIterations = intermediateIterations
        self.centre = centre
        self.perturbed = perturbed
        self.norm = perturbation.norm
        self.frames = perturbation.frames
        self.epsilon = epsilon
        refined = [Bool](repeating: false, count: graph.nodes.count)
        relaxations = [[Relaxation]](repeating: [], count: graph.nodes.count)
        lower.reserveCapacity(graph.nodes.count)
        upper.reserveCapacity(graph.nodes.count)
        for id in graph.nodes.indices {
            if let deadline, ContinuousClock.now >= deadline {
                interrupted = true
                return
            }
            walk(id)
        }
    }

    private mutating func walk(_ id: NodeID) {
        let node = graph.nodes[id]
        guard perturbed[id] else {
            lower.append(centre[id])
            upper.append(centre[id])
            refined[id] = true
            return
        }
        switch node.operation {
        case .input(let step):
            let radius = frames.contains(step) ? epsilon : 0
            lower.append(centre[id].map { $0 - radius })
            upper.append(centre[id].map { $0 + radius })
        case let .affine(terms, bias):
            let (l, u) = intervalAffine(terms, bias: bias)
            lower.append(l)
            upper.append(u)
        case let .unary(op, source):
            refineWaitingNodes(before: id, ifAnyOf: [source])
            relaxations[id] = (0..<node.size).map { op.relaxations(lower: lower[source][$0], upper: upper[source][$0]) }
            let ranges = (0..<node.size).map { op.range(lower: lower[source][$0], upper: upper[source][$0]) }
            lower.append(ranges.map(\.0))
            upper.append(ranges.map(\.1))
        case let .binary(op, x, y):
            refineWaitingNodes(before: id, ifAnyOf: [x, y])
            var l = [Double](repeating: 0, count: node.size), u = l
            relaxations[id] = (0..<node.size).map { k in
                let box = Box(xl: lower[x][k], xu: upper[x][k], yl: lower[y][k], yu: upper[y][k])
                (l[k], u[k]) = op.range(on: box)
                return op.relaxations(on: box)
            }
            lower.append(l)
            upper.append(u)
        }
    }

    /// Interval arithmetic for an affine node, in centre-radius form: W c +- |W| r.
    private func intervalAffine(_ terms: [(node: NodeID, map: LinearMap)], bias: [Double]) -> ([Double], [Double]) {
        var mid = bias
        var radius = [Double](repeating: 0, count: bias.count)
        for term in terms {
            let c = zip(lower[term.node], upper[term.node]).map { ($0 + $1) / 2 }
            let r = zip(lower[term.node], upper[term.node]).map { ($1 - $0) / 2 }
            switch term.map {
            case .dense(let m):
                for row in 0..<m.rows {
                    var sum = 0.0, spread = 0.0
                    for col in 0..<m.columns {
                        let w = m.storage[row * m.columns + col]
                        sum += w * c[col]
                        spread += abs(w) * r[col]
                    }
                    mid[row] += sum
                    radius[row] += spread
                }
            case .identity:
                for k in 0..<mid.count {
                    mid[k] += c[k]
                    radius[k] += r[k]
                }
            }
        }
        // Rounding in the sums is far below this relative widening.
        let l = zip(mid, radius).map { $0 - $1 - 1e-12 * (abs($0) + $1) }
        let u = zip(mid, radius).map { $0 + $1 + 1e-12 * (abs($0) + $1) }
        return (l, u)
    }

    /// Gives linear bounds to every node before `id` that a nonlinearity needs and that has none yet, in
    /// one batched backward pass, when one of `sources` is among them.
    private mutating func refineWaitingNodes(before id: NodeID, ifAnyOf sources: [NodeID]) {
        guard sources.contains(where: { !refined[$0] }) else { return }
        let waiting = (0..<id).filter { graph.nodes[$0].needsBounds && !refined[$0] }
        let half = waiting.reduce(0) { $0 + graph.nodes[$1].size }
        var objective: [(NodeID, [Double])] = []
        var offset = 0
        for node in waiting {
            let n = graph.nodes[node].size
            var coefficients = [Double](repeating: 0, count: 2 * half * n)
            for k in 0..<n {
                coefficients[(offset + k) * n + k] = 1          // lower bound of v
                coefficients[(half + offset + k) * n + k] = -1  // lower bound of -v, i.e. -(upper bound)
            }
            objective.append((node, coefficients))
            offset += n
        }
        var bounds = lowerBounds(of: objective, rows: 2 * half)
        if intermediateIterations > 0 { optimize(&bounds, of: waiting, half: half) }
        offset = 0
        for node in waiting {
            for k in 0..<graph.nodes[node].size {
                // Widened by far more than the rounding of a pass can move a bound, so a relaxation built
                // on [l, u] covers every value the neuron really takes.
                let l = max(lower[node][k], bounds[offset + k] - 1e-12 * (1 + abs(bounds[offset + k])))
                let u = min(upper[node][k], -bounds[half + offset + k] + 1e-12 * (1 + abs(bounds[half + offset + k])))
                // Both enclose the same values; they cross only by rounding on a (near-)constant neuron.
                (lower[node][k], upper[node][k]) = (min(l, u), max(l, u))
            }
            offset += graph.nodes[node].size
            refined[node] = true
        }
    }

    /// Tightens a batch's bounds node by node with the margin optimizer: each neuron's lower and upper
    /// bound is its own row with its own relaxation mixtures (alpha-CROWN on intermediate bounds). Every
    /// iterate is sound, so the bounds only tighten; the cost is `intermediateIterations` passes more per node, counted in `passes`.
    private mutating func optimize(_ bounds: inout [Double], of waiting: [NodeID], half: Int) {
        let optimizer = MarginOptimizer(iterations: intermediateIterations, learningRate: 0.5)
        var offset = 0
        for node in waiting {
            let n = graph.nodes[node].size
            var rows = [Double](repeating: 0, count: 2 * n * n)
            for k in 0..<n {
                rows[k * n + k] = 1
                rows[(n + k) * n + k] = -1
            }
            let initial = Array(bounds[offset..<(offset + n)]) + Array(bounds[(half + offset)..<(half + offset + n)])
            let (tightened, optimizerPasses) = optimizer.optimize(self, node: node, coefficients: rows, rows: 2 * n,
                                                                  initial: initial, target: .infinity)
            passes += optimizerPasses
            for k in 0..<n {
                bounds[offset + k] = tightened[k]
                bounds[half + offset + k] = tightened[n + k]
            }
            offset += n
        }
    }

    /// The lower bound, over the perturbation set, of each of `rows` linear functions
    /// `sum over (node, C) of C * node` (each C is rows x size(node), row-major).
    ///
    /// Coefficients flow from the highest node down: an affine node passes C * W to its inputs; a
    /// nonlinearity passes each coefficient through the lower relaxation where it is >= 0 and the upper
    /// one where it is < 0 (so each term stays a lower bound); a constant node folds C * value into the
    /// offset; an input frame adds C x0 - eps * ||C_row||_q (Hoelder) when it is perturbed.
    mutating func lowerBounds(of objective: [(NodeID, [Double])], rows: Int) -> [Double] {
        passes += 1
        var coefficients = [[Double]?](repeating: nil, count: graph.nodes.count)
        var offset = [Double](repeating: 0, count: rows)
        // A node's coefficient buffer, taken out of the table (zeros if it has none yet) so that it is
        // updated in place and put back, never copied.
        func take(_ node: NodeID) -> [Double] {
            guard let buffer = coefficients[node] else { return [Double](repeating: 0, count: rows * graph.nodes[node].size) }
            coefficients[node] = nil
            return buffer
        }
        func add(_ values: [Double], to node: NodeID) {
            guard coefficients[node] != nil else { coefficients[node] = values; return }
            var sum = take(node)
            for k in values.indices { sum[k] += values[k] }
            coefficients[node] = sum
        }
        for (node, c) in objective { add(c, to: node) }
        let top = objective.map(\.0).max() ?? -1
        for id in stride(from: top, through: 0, by: -1) {
            guard let c = coefficients[id] else { continue }
            coefficients[id] = nil
            let n = graph.nodes[id].size
            if !perturbed[id] {
                flops += 2 * rows * n
                GEMM.accumulate(&offset, c, vector: centre[id], m: rows, k: n)
                continue
            }
            switch graph.nodes[id].operation {
            case .input(let step):
                GEMM.accumulate(&offset, c, vector: centre[id], m: rows, k: n)
                if frames.contains(step) {
                    c.withUnsafeBufferPointer { all in
                        for r in 0..<rows {
                            offset[r] -= epsilon * norm.dual(UnsafeBufferPointer(rebasing: all[(r * n)..<((r + 1) * n)]))
                        }
                    }
                }
            case let .affine(terms, bias):
                GEMM.accumulate(&offset, c, vector: bias, m: rows, k: n)
                for term in terms {
                    switch term.map {
                    case .dense(let m):
                        flops += 2 * rows * m.columns * n
                        var product = take(term.node)
                        GEMM.accumulate(&product, c, m.storage, m: rows, n: m.columns, k: n)
                        coefficients[term.node] = product
                    case .identity:
                        add(c, to: term.node)
                    }
                }
            case .unary, .binary:
                // A one-input relaxation is a plane with b = 0 and no second operand.
                let (x, second) = graph.nodes[id].operation.nonlinearOperands
                let y = second == x ? nil : second
                let relaxation = relaxations[id]
                var nextX = take(x)
                var nextY = y.map(take) ?? []
                c.withUnsafeBufferPointer { c in
                    nextX.withUnsafeMutableBufferPointer { nextX in
                        nextY.withUnsafeMutableBufferPointer { nextY in
                            relaxation.withUnsafeBufferPointer { relaxation in
                                for r in 0..<rows {
                                    var shift = 0.0
                                    for k in 0..<n where c[r * n + k] != 0 {
                                        let a = c[r * n + k]
                                        let plane = a >= 0 ? relaxation[k].lower[0] : relaxation[k].upper[0]
                                        nextX[r * n + k] += a * plane.a
                                        if y == nil { nextX[r * n + k] += a * plane.b } else { nextY[r * n + k] += a * plane.b }
                                        shift += a * plane.c
                                    }
                                    offset[r] += shift
                                }
                            }
                        }
                    }
                }
                coefficients[x] = nextX
                if let y { coefficients[y] = nextY }
            }
        }
        return offset
    }
}
