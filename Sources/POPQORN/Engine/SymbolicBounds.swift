/// Linear bounds of one node as functions of the perturbation itself (forward mode): for every delta in
/// the perturbation set (the perturbed frames' offsets from the centre, concatenated in step order) and
/// every neuron k,
///
///     lower[k] . delta + lowerOffset[k]  <=  value[k]  <=  upper[k] . delta + upperOffset[k].
///
/// This is the symbolic interval of DeepPoly's forward analysis and forward-mode LiRPA (Xu et al.,
/// NeurIPS 2020): each operation maps its operands' pairs to its own (`BoundedOperation.forward`), so
/// every node's bounds cost one step, not a walk back to the input. Only the first `width` columns can be
/// non-zero: a node of a forward-running layer depends on the frames up to its own step only, and the
/// columns are ordered by step, so the matrices keep that prefix (on average half the columns).
///
/// Rounding: the functions are computed in floating point, so each verb also records how large the
/// terms it combined were (`operandMagnitude`), and `finish` moves both offsets outward by far more than
/// that arithmetic can have erred (see `roundingAllowance`). The stored functions are then bounds of the
/// exact values, and what later nodes build on them stays sound.
struct SymbolicBounds {
    let size: Int
    let width: Int
    /// size x width, row-major.
    var lower: [Double]
    var lowerOffset: [Double]
    var upper: [Double]
    var upperOffset: [Double]
    /// Per neuron, a bound on |value of either side| over the perturbation set: |offset| plus eps times
    /// the coefficients' absolute sum (each |delta_j| <= eps whatever the norm). Set by `finish`.
    private(set) var magnitude: [Double]
    /// Per neuron, the summed size of every term the verbs combined into it (relative rounding is of that).
    private var operandMagnitude: [Double]

    init(size: Int, width: Int, offset: [Double]) {
        self.size = size
        self.width = width
        lower = [Double](repeating: 0, count: size * width)
        upper = lower
        lowerOffset = offset
        upperOffset = offset
        magnitude = offset.map(abs)
        operandMagnitude = offset.map(abs)
    }

    /// A node no perturbed frame reaches: its value, with no dependence on delta.
    static func constant(_ value: [Double]) -> SymbolicBounds {
        SymbolicBounds(size: value.count, width: 0, offset: value)
    }

    /// A relative bound on the rounding error of the arithmetic behind one node: a sum of `terms` products
    /// errs by at most about terms * 2^-53 of the sum of the products' absolute values (Higham, Accuracy
    /// and Stability of Numerical Algorithms, 3.1); this allows 18 times that, plus the few additions the
    /// verbs chain after the products.
    static func roundingAllowance(terms: Int) -> Double { Double(terms + 8) * 2e-15 }

    /// Adds `lowerScale[k] * source[k]` to neuron k's lower bound and `upperScale[k] * source[k]` to its
    /// upper bound, taking the side of `source` that keeps each a bound: for a >= 0, a * value >= a * (its
    /// lower bound); for a < 0, a * value >= a * (its upper bound); the mirror image on the upper side.
    /// `source.width` may not exceed `width`.
    mutating func add(_ source: SymbolicBounds, lowerScale: [Double], upperScale: [Double]) {
        let w = width, sw = source.width
        for k in 0..<size {
            let (a, b) = (lowerScale[k], upperScale[k])
            lowerOffset[k] += a * (a >= 0 ? source.lowerOffset[k] : source.upperOffset[k])
            upperOffset[k] += b * (b >= 0 ? source.upperOffset[k] : source.lowerOffset[k])
            operandMagnitude[k] += (abs(a) + abs(b)) * source.magnitude[k]
        }
        guard sw > 0 else { return }
        lower.withUnsafeMutableBufferPointer { lower in
            upper.withUnsafeMutableBufferPointer { upper in
                source.lower.withUnsafeBufferPointer { sourceLower in
                    source.upper.withUnsafeBufferPointer { sourceUpper in
                        for k in 0..<size {
                            let (a, b) = (lowerScale[k], upperScale[k])
                            let forLower = a >= 0 ? sourceLower : sourceUpper
                            let forUpper = b >= 0 ? sourceUpper : sourceLower
                            if a != 0 { for j in 0..<sw { lower[k &* w &+ j] += a * forLower[k &* sw &+ j] } }
                            if b != 0 { for j in 0..<sw { upper[k &* w &+ j] += b * forUpper[k &* sw &+ j] } }
                        }
                    }
                }
            }
        }
    }

    /// Adds the same exact term to both sides: `block` (size x `columns`, row-major) on the columns
    /// `start ..< start + columns`, a map applied to one perturbed frame.
    mutating func addExact(_ block: [Double], columns: Int, at start: Int, epsilon: Double) {
        let w = width
        for k in 0..<size {
            var mass = 0.0
            for j in 0..<columns {
                let v = block[k * columns + j]
                lower[k * w + start + j] += v
                upper[k * w + start + j] += v
                mass += abs(v)
            }
            operandMagnitude[k] += epsilon * mass
        }
    }

    /// Adds `offset` to both sides; its entries came from products whose absolute values sum to
    /// `magnitude` per neuron.
    mutating func addToOffsets(_ offset: [Double], magnitude: [Double]) {
        for k in 0..<size {
            lowerOffset[k] += offset[k]
            upperOffset[k] += offset[k]
            operandMagnitude[k] += magnitude[k]
        }
    }

    /// Adds `p - q` to the lower side and `p + q` to the upper side (size x `columns`, `columns <= width`,
    /// offsets `po`, `qo`): a dense map's image of an operand's centre and radius functions. `magnitude`
    /// bounds, per neuron, the absolute products the two were summed from.
    mutating func addCentred(_ p: [Double], _ q: [Double], columns: Int, offsets po: [Double], _ qo: [Double],
                             magnitude: [Double]) {
        let w = width
        p.withUnsafeBufferPointer { p in
            q.withUnsafeBufferPointer { q in
                lower.withUnsafeMutableBufferPointer { lower in
                    upper.withUnsafeMutableBufferPointer { upper in
                        for k in 0..<size {
                            for j in 0..<columns {
                                let (a, b) = (p[k &* columns &+ j], q[k &* columns &+ j])
                                lower[k &* w &+ j] += a - b
                                upper[k &* w &+ j] += a + b
                            }
                        }
                    }
                }
            }
        }
        for k in 0..<size {
            lowerOffset[k] += po[k] - qo[k]
            upperOffset[k] += po[k] + qo[k]
            operandMagnitude[k] += magnitude[k]
        }
    }

    /// Ends a node: moves both offsets outward by the rounding allowance of its arithmetic (`terms`: the
    /// longest sum of products behind one entry) and of the concretization that will read it, and records
    /// the node's magnitude for the nodes built on it.
    mutating func finish(epsilon: Double, terms: Int) {
        let w = width
        let allowance = Self.roundingAllowance(terms: max(terms, w))
        for k in 0..<size {
            var lowerMass = abs(lowerOffset[k]), upperMass = abs(upperOffset[k])
            for j in 0..<w {
                lowerMass += epsilon * abs(lower[k &* w &+ j])
                upperMass += epsilon * abs(upper[k &* w &+ j])
            }
            let margin = allowance * (operandMagnitude[k] + lowerMass + upperMass) + .leastNormalMagnitude
            lowerOffset[k] -= margin
            upperOffset[k] += margin
            magnitude[k] = max(lowerMass, upperMass) + margin
        }
    }

    /// The interval these bounds give over the perturbation set: by Hoelder's inequality, per frame f,
    /// min over ||delta_f||_p <= eps of a_f . delta_f = -eps ||a_f||_q; the frames' balls are independent,
    /// so the minima add. `frames` lists each perturbed frame's first column and width.
    func concretized(frames: [(start: Int, width: Int)], norm: Norm, epsilon: Double) -> (lower: [Double], upper: [Double]) {
        var low = lowerOffset, high = upperOffset
        let w = width
        lower.withUnsafeBufferPointer { lower in
            upper.withUnsafeBufferPointer { upper in
                for k in 0..<size {
                    low[k] -= epsilon * norm.dual(lower, row: k, width: w, frames: frames)
                    high[k] += epsilon * norm.dual(upper, row: k, width: w, frames: frames)
                }
            }
        }
        return (low, high)
    }
}
