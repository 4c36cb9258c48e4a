/// One node's values as an affine form in the perturbation and in shared noise symbols (a zonotope,
/// DeepZ of Singh et al., NeurIPS 2018; Cert-RNN of Du et al., CCS 2021, for recurrent cells): for every
/// delta in the perturbation set there are symbols e_j in [-1, 1] and per-neuron errors |b_k| <= box[k],
/// the same e_j for every node of one bound computation, with
///
///     value[k] = centre[k] + inputs[k] . delta + sum over j of fresh[k][j] * e_j + b_k.
///
/// Unlike forward mode's separate lower and upper functions (`SymbolicBounds`), one function serves both
/// sides, so a linear map is applied exactly: M (A delta + E e) = (M A) delta + (M E) e, with no |M|
/// wrapping. Each relaxed neuron adds one new symbol, its relaxation's half-width (`fresh` columns are
/// named by `freshIDs`, so operands line up; `LinearBoundEngine.symbolNames` gives the names). To keep
/// the cost bounded, a recurrent state keeps `keep` symbols and folds the rest into one new symbol per
/// neuron (`reduce`; order reduction, Girard 2005). `box` holds only the rounding allowances.
///
/// Rounding: as `SymbolicBounds` does, each verb records the size of the terms it combined
/// (`operandMagnitude`) and `finish` adds to `box` far more than that arithmetic can have erred.
struct Zonotope {
    let size: Int
    /// Columns of delta the node can depend on (a prefix, frames ordered by step).
    let width: Int
    var centre: [Double]
    /// size x width, row-major.
    var inputs: [Double]
    /// The noise symbols the node depends on, ascending.
    private(set) var freshIDs: [Int]
    /// size x freshIDs.count, row-major.
    var fresh: [Double]
    /// Per neuron, the bound on its uncorrelated error b_k.
    private(set) var box: [Double]
    /// Per neuron, a bound on |value| over the set. Set by `finish`.
    private(set) var magnitude: [Double]
    private var operandMagnitude: [Double]
    /// Set by `finish`, which sums every row anyway: per neuron, sum |fresh| and, at the eps `finish` was
    /// given, `concretized`'s spread under l_inf (box + eps ||inputs||_1 + sum |fresh|: a frame's dual
    /// norm is then its l1 norm, and the frames tile the row). `concretized` reads them instead of summing
    /// the rows again. The building verbs run before `finish`; `reduce`, the one change to a finished
    /// zonotope, drops them.
    private var finishedRows: (epsilon: Double, symbols: [Double], spreadUnderLinf: [Double])?

    init(size: Int, width: Int, freshIDs: [Int], centre: [Double]) {
        self.size = size
        self.width = width
        self.freshIDs = freshIDs
        self.centre = centre
        inputs = [Double](repeating: 0, count: size * width)
        fresh = [Double](repeating: 0, count: size * freshIDs.count)
        box = [Double](repeating: 0, count: size)
        magnitude = centre.map(abs)
        operandMagnitude = centre.map(abs)
    }

    /// A node no perturbed frame reaches: its value.
    static func constant(_ value: [Double]) -> Zonotope {
        Zonotope(size: value.count, width: 0, freshIDs: [], centre: value)
    }

    /// The ascending union of the operands' symbols, followed by `own` (larger than all of them: a node's
    /// own symbols are named after its operands', `LinearBoundEngine.symbolNames`).
    static func symbols(of operands: [Zonotope], own: [Int] = []) -> [Int] {
        var union: [Int] = []
        for operand in operands { union = merged(union, operand.freshIDs) }
        return union + own
    }

    /// The ascending union of two ascending lists of distinct names.
    static func merged(_ a: [Int], _ b: [Int]) -> [Int] {
        if a.isEmpty || a == b { return b }
        if b.isEmpty { return a }
        var result: [Int] = []
        result.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                result.append(a[i]); i += 1
            } else if b[j] < a[i] {
                result.append(b[j]); j += 1
            } else {
                result.append(a[i]); i += 1; j += 1
            }
        }
        result.append(contentsOf: a[i...])
        result.append(contentsOf: b[j...])
        return result
    }

    /// Adds `matrix` (size x operand.size, row-major) times the operand: exactly on its delta and symbol
    /// coefficients, by |matrix| on its uncorrelated box. The operand's symbols must be among this node's.
    mutating func addMapped(_ operand: Zonotope, matrix: [Double], flops: inout Int) {
        let (n, m) = (size, operand.size)
        GEMM.accumulate(&centre, matrix, vector: operand.centre, m: n, k: m, flops: &flops)
        let magnitudes = matrix.map(abs)
        GEMM.accumulate(&box, magnitudes, vector: operand.box, m: n, k: m, flops: &flops)
        GEMM.accumulate(&operandMagnitude, magnitudes, vector: operand.magnitude, m: n, k: m, flops: &flops)
        // The operand's columns are a prefix of this node's: its product adds to each row's first ones.
        GEMM.accumulate(&inputs, matrix, operand.inputs, m: n, n: operand.width, k: m, rowLength: width, flops: &flops)
        guard !operand.freshIDs.isEmpty else { return }
        if operand.freshIDs == freshIDs {
            GEMM.accumulate(&fresh, matrix, operand.fresh, m: n, n: freshIDs.count, k: m, flops: &flops)
        } else {
            var product = [Double](repeating: 0, count: n * operand.freshIDs.count)
            GEMM.accumulate(&product, matrix, operand.fresh, m: n, n: operand.freshIDs.count, k: m, flops: &flops)
            let at = Self.positions(of: operand.freshIDs, in: freshIDs)
            Self.addColumns(product, rows: n, count: operand.freshIDs.count, into: &fresh, stride: freshIDs.count, at: at)
        }
    }

    /// Adds `scale[k]` times the operand's neuron k to neuron k (operands of the same size).
    mutating func addScaled(_ operand: Zonotope, scale: [Double]) {
        let n = size
        for k in 0..<n {
            centre[k] += scale[k] * operand.centre[k]
            box[k] += abs(scale[k]) * operand.box[k]
            operandMagnitude[k] += abs(scale[k]) * operand.magnitude[k]
        }
        let (w, sw) = (width, operand.width)
        inputs.withUnsafeMutableBufferPointer { inputs in
            operand.inputs.withUnsafeBufferPointer { source in
                for k in 0..<n where scale[k] != 0 {
                    let a = scale[k]
                    for j in 0..<sw { inputs[k &* w &+ j] += a * source[k &* sw &+ j] }
                }
            }
        }
        let f = operand.freshIDs.count
        guard f > 0 else { return }
        let stride = freshIDs.count
        // Operand symbols that share this node's columns are one run; merged ones a few.
        let runs = Self.runs(Self.positions(of: operand.freshIDs, in: freshIDs))
        fresh.withUnsafeMutableBufferPointer { fresh in
            operand.fresh.withUnsafeBufferPointer { source in
                for k in 0..<n where scale[k] != 0 {
                    let a = scale[k]
                    for run in runs {
                        let (to, from) = (k &* stride &+ run.target, k &* f &+ run.source)
                        for j in 0..<run.count { fresh[to &+ j] += a * source[from &+ j] }
                    }
                }
            }
        }
    }

    /// Adds `block` (size x `columns`) on the columns of one perturbed frame, starting at `start`: a map of
    /// the frame's own delta, exact.
    mutating func addExact(_ block: [Double], columns: Int, at start: Int, epsilon: Double) {
        for k in 0..<size {
            var mass = 0.0
            for j in 0..<columns {
                inputs[k * width + start + j] += block[k * columns + j]
                mass += abs(block[k * columns + j])
            }
            operandMagnitude[k] += epsilon * mass
        }
    }

    /// Adds a constant; its entries came from products whose absolute values sum to `magnitude`.
    mutating func addToCentre(_ offset: [Double], magnitude: [Double]) {
        for k in 0..<size {
            centre[k] += offset[k]
            operandMagnitude[k] += magnitude[k]
        }
    }

    /// Gives each neuron k with `halfWidth[k] > 0` its own symbol with that coefficient: the last symbols
    /// of `freshIDs`, one per such neuron in order, which the caller put there.
    mutating func addOwnSymbols(_ halfWidth: [Double]) {
        let stride = freshIDs.count
        var column = stride - halfWidth.filter { $0 > 0 }.count
        for k in 0..<size where halfWidth[k] > 0 {
            fresh[k * stride + column] = halfWidth[k]
            operandMagnitude[k] += halfWidth[k]
            column += 1
        }
    }

    /// Ends a node: widens `box` by the rounding allowance of its arithmetic (`terms`: the longest sum
    /// behind one entry) and of the concretization that will read it.
    mutating func finish(epsilon: Double, terms: Int) {
        let (w, f) = (width, freshIDs.count)
        let allowance = SymbolicBounds.roundingAllowance(terms: max(terms, w + f))
        var symbols = [Double](repeating: 0, count: size), spread = symbols
        inputs.withUnsafeBufferPointer { inputs in
            fresh.withUnsafeBufferPointer { fresh in
                for k in 0..<size {
                    let onInputs = UnsafeBufferPointer(rebasing: inputs[(k &* w)..<(k &* w &+ w)]).sumOfMagnitudes()
                    let onSymbols = UnsafeBufferPointer(rebasing: fresh[(k &* f)..<(k &* f &+ f)]).sumOfMagnitudes()
                    let mass = abs(centre[k]) + box[k] + epsilon * onInputs + onSymbols
                    let margin = allowance * (operandMagnitude[k] + mass) + .leastNormalMagnitude
                    box[k] += margin
                    magnitude[k] = mass + margin
                    symbols[k] = onSymbols
                    spread[k] = box[k] + epsilon * onInputs + onSymbols
                }
            }
        }
        finishedRows = (epsilon, symbols, spread)
    }

    /// The interval of each neuron over the perturbation set: per frame -+eps ||a_f||_q (Hoelder), each
    /// symbol -+|coefficient|, and the box.
    func concretized(frames: [(start: Int, width: Int)], norm: Norm, epsilon: Double) -> (lower: [Double], upper: [Double]) {
        var low = centre, high = centre
        let (w, f) = (width, freshIDs.count)
        let finished = finishedRows.flatMap { $0.epsilon == epsilon ? $0 : nil }
        inputs.withUnsafeBufferPointer { inputs in
            fresh.withUnsafeBufferPointer { fresh in
                for k in 0..<size {
                    let spread: Double
                    if let finished, norm == .linf {
                        spread = finished.spreadUnderLinf[k]
                    } else {
                        let onSymbols = finished?.symbols[k]
                            ?? UnsafeBufferPointer(rebasing: fresh[(k &* f)..<(k &* f &+ f)]).sumOfMagnitudes()
                        spread = box[k] + epsilon * norm.dual(inputs, row: k, width: w, frames: frames) + onSymbols
                    }
                    low[k] -= spread
                    high[k] += spread
                }
            }
        }
        return (low, high)
    }

    /// Lower bounds of linear functions of this node, `rows` (each `size` coefficients a), with each row's
    /// input dual norm sum_f ||a A_f||_q (`ZonotopeRows`): the bound at a smaller eps' is the bound plus
    /// (eps - eps') times it.
    func lowerBounds(of rows: [Double], count: Int, frames: [(start: Int, width: Int)], norm: Norm,
                     epsilon: Double, flops: inout Int) -> (bounds: [Double], dualNorms: [Double]) {
        var sum = ZonotopeRows(rows: count)
        sum.add(rows, times: self, overInterval: nil, flops: &flops)
        var bounds = [Double](repeating: 0, count: count), dualNorms = bounds
        sum.concretize(into: &bounds, inputDualNorms: &dualNorms, frames: frames, norm: norm, epsilon: epsilon)
        return (bounds, dualNorms)
    }

    /// Order reduction: keeps the `keep` symbols that folding would cost most and replaces the rest and
    /// the box, per neuron k, by one new symbol `reductionIDs[k]` whose coefficient is the sum of the
    /// dropped coefficients' absolute values plus box[k]. The cost of folding symbol j is Girard's
    /// ||g_j||_1 - ||g_j||_inf over its column g_j: a symbol that moves one neuron only becomes that
    /// neuron's own symbol at no loss, however large, while one that moves several neurons together
    /// loses their correlation (against keeping the largest ||g_j||_1, zonotope:128 proves 5-21% more on
    /// the text LSTM and the video GRU; docs/performance.md). Sound: for any values of the dropped symbols and
    /// of b_k their combined term on neuron k lies within that sum, so some value in [-1, 1] of the new
    /// symbol reproduces it; and no other node uses the new symbol, so choosing it per neuron constrains
    /// nothing else. Later linear maps carry the new symbols exactly, as they carry every other: a box left
    /// as a box would grow by |M| at every step instead (the rounding allowances of a long sequence did).
    mutating func reduce(keep: Int, reductionIDs: [Int]) {
        let f = freshIDs.count
        // Nothing to drop: only the box is folded into new symbols.
        guard f > keep else { return replaceSymbols(keeping: Array(freshIDs.indices), folded: box, reductionIDs: reductionIDs) }
        var weight = [Double](repeating: 0, count: f), largest = weight
        fresh.withUnsafeBufferPointer { fresh in
            weight.withUnsafeMutableBufferPointer { weight in
                largest.withUnsafeMutableBufferPointer { largest in
                    for k in 0..<size {
                        for j in 0..<f {
                            let magnitude = abs(fresh[k &* f &+ j])
                            weight[j] += magnitude
                            largest[j] = max(largest[j], magnitude)
                        }
                    }
                }
            }
        }
        for j in 0..<f { weight[j] -= largest[j] }
        let kept = Self.largest(keep, of: weight)
        var dropped = [Double](repeating: 1, count: f)
        for j in kept { dropped[j] = 0 }
        var mass = box
        fresh.withUnsafeBufferPointer { fresh in
            dropped.withUnsafeBufferPointer { dropped in
                for k in 0..<size {
                    mass[k] += UnsafeBufferPointer(rebasing: fresh[(k &* f)..<(k &* f &+ f)]).sumOfMagnitudes(maskedBy: dropped)
                }
            }
        }
        replaceSymbols(keeping: kept, folded: mass, reductionIDs: reductionIDs)
    }

    /// Keeps the symbol columns `kept` and gives each neuron k with `folded[k] > 0` the new symbol
    /// `reductionIDs[k]` with that coefficient, rounded up; the box becomes 0.
    private mutating func replaceSymbols(keeping kept: [Int], folded mass: [Double], reductionIDs: [Int]) {
        let f = freshIDs.count
        box = [Double](repeating: 0, count: size)
        finishedRows = nil
        // The kept symbols and the new ones, in ascending order of name: (name, old column or -1 - neuron).
        // Both lists are ascending already (`kept` in column order, `reductionIDs` by neuron), so a merge
        // orders them.
        var columns: [(Int, Int)] = []
        columns.reserveCapacity(kept.count + size)
        var next = kept.startIndex
        for k in 0..<size where mass[k] > 0 {
            while next < kept.endIndex && freshIDs[kept[next]] <= reductionIDs[k] {
                columns.append((freshIDs[kept[next]], kept[next]))
                next += 1
            }
            columns.append((reductionIDs[k], -1 - k))
        }
        columns.append(contentsOf: kept[next...].map { (freshIDs[$0], $0) })
        let g = columns.count
        var reduced = [Double](repeating: 0, count: size * g)
        // Row by row, so that both matrices are read and written in memory order.
        let sources = columns.map(\.1)
        fresh.withUnsafeBufferPointer { fresh in
            reduced.withUnsafeMutableBufferPointer { reduced in
                for k in 0..<size {
                    for (i, source) in sources.enumerated() where source >= 0 {
                        reduced[k &* g &+ i] = fresh[k &* f &+ source]
                    }
                }
            }
        }
        for (i, source) in sources.enumerated() where source < 0 {
            let k = -1 - source
            // Rounded up, so the new symbol covers the dropped terms however the sum was rounded.
            reduced[k * g + i] = mass[k] * (1 + Double(f) * 2e-16)
        }
        freshIDs = columns.map(\.0)
        fresh = reduced
    }

    /// The indices of the `count` largest of `weights`, ascending: the same set as the first `count` of
    /// the indices sorted stably by descending weight (ties go to the lower index), found by selecting the
    /// `count`-th largest value instead of sorting indices through a closure (that sort and the one the
    /// merge in `replaceSymbols` replaced took about a tenth of a W1 zonotope:128 check). A NaN weight
    /// counts as the largest, so the set is well defined whatever the weights.
    static func largest(_ count: Int, of weights: [Double]) -> [Int] {
        guard count < weights.count else { return Array(weights.indices) }
        guard count > 0 else { return [] }
        let ranked = weights.map { $0.isNaN ? Double.infinity : $0 }
        let threshold = value(ranked: count, of: ranked)
        var ties = count - ranked.lazy.filter { $0 > threshold }.count
        var result: [Int] = []
        result.reserveCapacity(count)
        for (j, weight) in ranked.enumerated() {
            if weight > threshold {
                result.append(j)
            } else if weight == threshold && ties > 0 {
                result.append(j)
                ties -= 1
            }
        }
        return result
    }

    /// The `rank`-th largest of `values` (1 for the largest; no NaN among them): quickselect with a
    /// three-way partition around the median of three, in linear time on average. A range that has not
    /// shrunk to its answer within `patience` partitions (2 log2(n) + 8 unless a test sets it) is sorted
    /// instead, so no order of the values can make it quadratic.
    static func value(ranked rank: Int, of values: [Double], patience: Int? = nil) -> Double {
        var a = values
        let target = rank - 1
        var (low, high) = (0, a.count - 1)
        var partitions = 0
        let patience = patience ?? 2 * (Int.bitWidth - a.count.leadingZeroBitCount) + 8
        while low < high {
            if partitions == patience {
                let sorted = a[low...high].sorted(by: >)
                return sorted[target - low]
            }
            partitions += 1
            let (x, y, z) = (a[low], a[(low + high) / 2], a[high])
            let pivot = max(min(x, y), min(max(x, y), z))
            // Descending: a[low..<above] > pivot, a[above...below] == pivot, a[(below + 1)...high] < pivot.
            var (above, i, below) = (low, low, high)
            while i <= below {
                if a[i] > pivot {
                    a.swapAt(above, i)
                    above += 1
                    i += 1
                } else if a[i] < pivot {
                    a.swapAt(i, below)
                    below -= 1
                } else {
                    i += 1
                }
            }
            if target < above {
                high = above - 1
            } else if target > below {
                low = below + 1
            } else {
                return pivot
            }
        }
        return a[low]
    }

    /// Where each of `ids` sits in `names` (both ascending, every id among the names).
    static func positions(of ids: [Int], in names: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(ids.count)
        var i = 0
        for id in ids {
            while names[i] != id { i += 1 }
            result.append(i)
        }
        return result
    }

    /// `positions` as runs of consecutive columns: source columns source..<source + count go to target
    /// columns target..<target + count. A node's symbols are its operands' merged, so an operand's
    /// columns land in a few long runs, and copying run by run keeps the inner loops contiguous.
    static func runs(_ positions: [Int]) -> [(source: Int, target: Int, count: Int)] {
        var runs: [(source: Int, target: Int, count: Int)] = []
        for (j, position) in positions.enumerated() {
            if let last = runs.last, last.target + last.count == position {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((source: j, target: position, count: 1))
            }
        }
        return runs
    }

    /// target[k][at[j]] += source[k][j] for every row k.
    static func addColumns(_ source: [Double], rows: Int, count: Int, into target: inout [Double], stride: Int, at: [Int]) {
        let runs = runs(at)
        target.withUnsafeMutableBufferPointer { target in
            source.withUnsafeBufferPointer { source in
                for k in 0..<rows {
                    for run in runs {
                        let (to, from) = (k &* stride &+ run.target, k &* count &+ run.source)
                        for j in 0..<run.count { target[to &+ j] += source[from &+ j] }
                    }
                }
            }
        }
    }
}
