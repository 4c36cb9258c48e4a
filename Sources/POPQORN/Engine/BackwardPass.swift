import SequenceModels

/// One backward pass: the lower bound, over the perturbation set, of each of `rows` linear functions
/// `sum over (node, C) of C * value(node)` (each C rows x size(node), row-major). This is the one walk
/// every bound in rnnguard comes from: intermediate bounds, margin bounds and the margin optimizer's
/// iterations.
///
/// Coefficients flow from the highest node down. A node no perturbed frame reaches is a constant and
/// folds C * value into the offset at once; any other node hands its coefficients to its operation's
/// `backward` verb. Rows never mix, so each row is bounded as if alone.
///
/// The relaxation of each neuron is the default plane of its side, or, when `mixtures` is given, a
/// per-row convex mixture of its candidates (`RelaxationMixtures`); with `recording`, the pass keeps what
/// the adjoint walk needs (every node's coefficients and the planes used).
struct BackwardPass {
    let engine: LinearBoundEngine
    let rows: Int
    let mixtures: RelaxationMixtures?
    /// Each row's constant part: the lower bound once the walk is done.
    var offset: [Double]
    /// Each row's sum over the perturbed frames of ||coefficients||_q: the bound is this pass's constant
    /// part minus eps times it, so the same relaxations prove every smaller radius with
    /// offset + (eps - eps') * inputDualNorms (`ThresholdCheck.provenRadius`).
    var inputDualNorms: [Double]
    var flops = 0
    private var coefficients: [[Double]?]
    /// With `recording`: each node's coefficients as the walk reached it, and each nonlinearity's planes
    /// (with the mixture weights, when mixtures chose them).
    private(set) var stored: [[Double]?]
    private(set) var planes: [[Plane]?]
    private(set) var mixtureWeights: [RelaxationMixtures.Mixed?]
    private let recording: Bool
    /// True when `deadline` passed during the walk: the offsets are then partial and bound nothing.
    private(set) var interrupted = false
    /// With a cutoff and zonotopes (`BoundMethod.windowAndZonotope`): the cut-off nodes' terms, bounded
    /// together at the end of the pass.
    private var truncated: ZonotopeRows?

    /// `concretizingBeforeStep`: a node of an earlier time step is not walked through but bounded by its
    /// interval (windowed back-substitution; see `BoundMethod`). `deadline`, checked before every node,
    /// stops a long pass part-way (`interrupted`), so a budget is not overrun by a whole pass.
    init(_ engine: LinearBoundEngine, objective: [(NodeID, [Double])], rows: Int, mixtures: RelaxationMixtures? = nil,
         recording: Bool = false, concretizingBeforeStep cutoff: Int? = nil, deadline: ContinuousClock.Instant? = nil) {
        self.engine = engine
        self.rows = rows
        self.mixtures = mixtures
        self.recording = recording
        offset = [Double](repeating: 0, count: rows)
        inputDualNorms = offset
        let top = objective.map(\.0).max() ?? -1
        coefficients = [[Double]?](repeating: nil, count: top + 1)
        stored = recording ? [[Double]?](repeating: nil, count: top + 1) : []
        planes = recording ? [[Plane]?](repeating: nil, count: top + 1) : []
        mixtureWeights = recording && mixtures != nil ? [RelaxationMixtures.Mixed?](repeating: nil, count: top + 1) : []
        if cutoff != nil, engine.method.keptSymbols != nil { truncated = ZonotopeRows(rows: rows) }
        for (node, c) in objective { add(c, to: node) }
        for id in stride(from: top, through: 0, by: -1) {
            guard let c = coefficients[id] else { continue }
            if let deadline, ContinuousClock.now >= deadline {
                interrupted = true
                return
            }
            coefficients[id] = nil
            if recording { stored[id] = c }
            if !engine.perturbed[id] {
                GEMM.accumulate(&offset, c, vector: engine.centre[id], m: rows, k: engine.sizes[id], flops: &flops)
            } else if let cutoff, engine.steps[id] < cutoff {
                concretize(c, node: id)
            } else {
                engine.operations[id].backward(c, node: id, pass: &self)
            }
        }
        truncated?.concretize(into: &offset, inputDualNorms: &inputDualNorms, frames: engine.frames, norm: engine.norm,
                              epsilon: engine.epsilon)
    }

    /// A node ended instead of walked through: with its zonotope when the engine still holds one (summed
    /// into `truncated`), else by min over v in [l, u] of c . v = sum of c_k l_k (c_k >= 0) or c_k u_k
    /// (c_k < 0), per row.
    private mutating func concretize(_ c: [Double], node: NodeID) {
        let overInterval = Self.lowerBounds(c, rows: rows, lower: engine.lower[node], upper: engine.upper[node])
        if var sum = truncated, let zonotope = engine.zonotopes[node] {
            truncated = nil  // taken out and put back, so the sum is updated in place
            sum.add(c, times: zonotope, overInterval: overInterval, flops: &flops)
            truncated = sum
            return
        }
        for r in 0..<rows { offset[r] += overInterval[r] }
    }

    /// Per row of `c` (rows x n, row-major), min over v in [lower, upper] of c . v.
    static func lowerBounds(_ c: [Double], rows: Int, lower: [Double], upper: [Double]) -> [Double] {
        let n = lower.count
        // Bounds interleaved (l_k at 2k, u_k at 2k + 1) so the side is chosen without a branch.
        var ends = [Double](repeating: 0, count: 2 * n)
        for k in 0..<n { (ends[2 * k], ends[2 * k + 1]) = (lower[k], upper[k]) }
        var result = [Double](repeating: 0, count: rows)
        c.withUnsafeBufferPointer { c in
            ends.withUnsafeBufferPointer { ends in
                for r in 0..<rows {
                    var sum = 0.0
                    for k in 0..<n {
                        let a = c[r &* n &+ k]
                        sum += a * ends[2 &* k &+ (a < 0 ? 1 : 0)]
                    }
                    result[r] = sum
                }
            }
        }
        return result
    }

    /// Node `node`'s coefficient buffer, taken out of the table (zeros if it has none yet) so that it is
    /// updated in place and put back (`put`), never copied.
    mutating func take(_ node: NodeID) -> [Double] {
        guard let buffer = coefficients[node] else { return [Double](repeating: 0, count: rows * engine.sizes[node]) }
        coefficients[node] = nil
        return buffer
    }

    mutating func put(_ buffer: [Double], at node: NodeID) {
        coefficients[node] = buffer
    }

    /// Adds `c` to node `node`'s coefficients.
    mutating func add(_ c: [Double], to node: NodeID) {
        guard coefficients[node] != nil else { coefficients[node] = c; return }
        var sum = take(node)
        for i in sum.indices { sum[i] += c[i] }
        put(sum, at: node)
    }

    /// The step of every relaxed operation: each coefficient a crosses the plane of its side (lower for
    /// a >= 0, upper for a < 0, so a * value >= a * plane stays a lower bound): a * p.a goes to x, a * p.b
    /// to y (to x as well for a one-input operation, whose planes have b = 0, or when x and y are one
    /// node), a * p.c to the offset. The planes are each neuron's defaults, or with `mixtures` one mixed
    /// plane per (row, neuron).
    mutating func relaxedStep(_ c: [Double], node: NodeID, x: NodeID, y: NodeID?) {
        let relaxations = engine.relaxations[node]
        let n = relaxations.count
        let second = y == x ? nil : y
        // Per (row, neuron) the plane index into `planes`: the neuron's default lower plane at 2k, upper at
        // 2k + 1, or (mixtures) entry i's own mixed plane.
        let planes: [Plane]
        let mixed: Bool
        if let mixtures {
            var mixture = mixtures.mix(node: node, coefficients: c, rows: rows, relaxations: relaxations)
            planes = mixture.planes
            mixed = true
            if recording {
                mixture.planes = []  // kept once, in `self.planes`
                mixtureWeights[node] = mixture
            }
        } else {
            planes = engine.defaultPlanes[node]
            mixed = false
        }
        var nextX = take(x)
        var nextY = second.map { take($0) } ?? []
        let rows = rows
        var shifts = [Double](repeating: 0, count: rows)
        c.withUnsafeBufferPointer { c in
            planes.withUnsafeBufferPointer { planes in
                nextX.withUnsafeMutableBufferPointer { nextX in
                    nextY.withUnsafeMutableBufferPointer { nextY in
                        for r in 0..<rows {
                            var shift = 0.0
                            for k in 0..<n where c[r &* n &+ k] != 0 {
                                let i = r &* n &+ k
                                let a = c[i]
                                // Chosen without a branch: the coefficients' signs are unpredictable.
                                let p = planes[mixed ? i : 2 &* k &+ (a < 0 ? 1 : 0)]
                                nextX[i] += a * p.a
                                if second == nil { nextX[i] += a * p.b } else { nextY[i] += a * p.b }
                                shift += a * p.c
                            }
                            shifts[r] = shift
                        }
                    }
                }
            }
        }
        for r in 0..<rows { offset[r] += shifts[r] }
        put(nextX, at: x)
        if let second { put(nextY, at: second) }
        if recording {
            self.planes[node] = mixed ? planes : (0..<(rows * n)).map { planes[2 * ($0 % n) + (c[$0] < 0 ? 1 : 0)] }
        }
    }
}
