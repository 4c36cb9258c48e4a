/// Lower bounds of `rows` linear functions of several nodes, sum over nodes n of C_n value_n, where every
/// node has a zonotope, value_n = centre_n + A_n delta + E_n e + b_n (`Zonotope`). The terms are summed
/// as affine forms first and bounded once (`concretize`): nodes that share noise symbols or frames cancel
/// in the sum where bounding each alone would add their widths.
///
/// Two uses:
/// - the zonotope method's own margin bound, one node (`Zonotope.lowerBounds`);
/// - where a windowed backward pass stops (`BoundMethod.windowAndZonotope`), the nodes it cuts off enter
///   with their zonotopes instead of their intervals. The cut-off nodes of one step (an LSTM's h and c, a
///   stacked layer's states) share their symbols and frames. The walked part of the pass never reaches
///   the cut-off frames or symbols, so bounding the two parts apart is a sum of two lower bounds. There
///   the same sum is also bounded over the nodes' intervals, as a window alone does, and each row keeps
///   the larger of the two: both are sound, and an interval narrowed by an earlier backward pass can beat
///   the zonotope on some rows.
struct ZonotopeRows {
    let rows: Int
    /// Per row: sum of C_n centre_n, sum of |C_n| box_n, and sum of |C_n| magnitude_n (the size of the
    /// terms combined, for the rounding allowance).
    private var value: [Double]
    private var spread: [Double]
    private var mass: [Double]
    /// Per row: the sum over the nodes' intervals (`BackwardPass.lowerBounds`), or -inf
    /// once a node came without its interval.
    private var overIntervals: [Double]
    /// Per row, the summed coefficients of delta's leading `width` columns, row-major.
    private var inputs: [Double] = []
    private var width = 0
    /// The noise symbols met so far, ascending, and per row their summed coefficients, row-major.
    private var symbolIDs: [Int] = []
    private var symbols: [Double] = []
    /// The longest sum behind one entry.
    private var terms = 0

    init(rows: Int) {
        self.rows = rows
        value = [Double](repeating: 0, count: rows)
        spread = value
        mass = value
        overIntervals = value
    }

    var isEmpty: Bool { terms == 0 }

    /// Adds C (rows x zonotope.size, row-major) times the node's zonotope, and each row's lower bound of
    /// the same term over the node's interval, when given (`BackwardPass.lowerBounds`).
    mutating func add(_ c: [Double], times zonotope: Zonotope, overInterval: [Double]?, flops: inout Int) {
        let (n, w, f) = (zonotope.size, zonotope.width, zonotope.freshIDs.count)
        if let overInterval {
            for r in 0..<rows { overIntervals[r] += overInterval[r] }
        } else {
            overIntervals = [Double](repeating: -.infinity, count: rows)
        }
        GEMM.accumulate(&value, c, vector: zonotope.centre, m: rows, k: n, flops: &flops)
        let magnitudes = c.map(abs)
        GEMM.accumulate(&spread, magnitudes, vector: zonotope.box, m: rows, k: n, flops: &flops)
        GEMM.accumulate(&mass, magnitudes, vector: zonotope.magnitude, m: rows, k: n, flops: &flops)
        if w > width {
            inputs = Self.relaid(inputs, rows: rows, from: width, to: Array(0..<width), count: w)
            width = w
        }
        GEMM.accumulate(&inputs, c, zonotope.inputs, m: rows, n: w, k: n, rowLength: width, flops: &flops)
        if zonotope.freshIDs == symbolIDs {
            GEMM.accumulate(&symbols, c, zonotope.fresh, m: rows, n: f, k: n, flops: &flops)
        } else if f > 0 {
            // The cut-off nodes of one pass usually share their symbols; a new one re-lays the sum out.
            let union = Zonotope.merged(symbolIDs, zonotope.freshIDs)
            symbols = Self.relaid(symbols, rows: rows, from: symbolIDs.count,
                                  to: Zonotope.positions(of: symbolIDs, in: union), count: union.count)
            symbolIDs = union
            var product = [Double](repeating: 0, count: rows * f)
            GEMM.accumulate(&product, c, zonotope.fresh, m: rows, n: f, k: n, flops: &flops)
            Zonotope.addColumns(product, rows: rows, count: f, into: &symbols, stride: union.count,
                                at: Zonotope.positions(of: zonotope.freshIDs, in: union))
        }
        terms += n + w + f
    }

    /// `matrix` (rows x `from` columns) with its column j moved to column `to[j]` of `count`.
    private static func relaid(_ matrix: [Double], rows: Int, from: Int, to: [Int], count: Int) -> [Double] {
        var result = [Double](repeating: 0, count: rows * count)
        Zonotope.addColumns(matrix, rows: rows, count: from, into: &result, stride: count, at: to)
        return result
    }

    /// Adds each row's lower bound to `offset`: the larger of the sum over the intervals and value - eps
    /// sum over frames ||a_f||_q - sum over symbols |coefficient| - spread (Hoelder for delta, |e_j| <= 1,
    /// |b_k| <= box_k), lowered by the rounding allowance of that arithmetic. When the zonotope's bound is
    /// taken, the frames' dual norms go to `inputDualNorms`: the bound at a smaller eps' is the bound plus
    /// (eps - eps') times them (`ThresholdCheck.provenRadius`). An interval's dependence on eps is not
    /// linear and adds none, as in a window alone; only the margin's pass, which has no cutoff and so no
    /// intervals here, has its dual norms read.
    func concretize(into offset: inout [Double], inputDualNorms: inout [Double], frames: [(start: Int, width: Int)],
                    norm: Norm, epsilon: Double) {
        guard !isEmpty else { return }
        let (allowance, f) = (SymbolicBounds.roundingAllowance(terms: terms + symbolIDs.count), symbolIDs.count)
        inputs.withUnsafeBufferPointer { inputs in
            for r in 0..<rows {
                let dual = width > 0 ? norm.dual(inputs, row: r, width: width, frames: frames) : 0
                var bound = value[r] - epsilon * dual - spread[r]
                var size = abs(value[r]) + epsilon * dual + spread[r] + mass[r]
                for j in 0..<f {
                    bound -= abs(symbols[r * f + j])
                    size += abs(symbols[r * f + j])
                }
                let zonotopeBound = bound - allowance * size - .leastNormalMagnitude
                offset[r] += max(zonotopeBound, overIntervals[r])
                if zonotopeBound > overIntervals[r] { inputDualNorms[r] += dual }
            }
        }
    }
}
