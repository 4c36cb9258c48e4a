/// The l_p norm of a per-frame perturbation ball.
public enum Norm: String, Sendable, CaseIterable, Codable {
    case l1 = "1"
    case l2 = "2"
    case linf = "inf"

    /// Parses "1", "2", "inf" (also "l1", "l2", "linf").
    public init?(argument: String) {
        let text = argument.lowercased()
        self.init(rawValue: text.hasPrefix("l") ? String(text.dropFirst()) : text)
    }

    /// The dual norm q of p (1/p + 1/q = 1) of a coefficient row `a`: by Hoelder's inequality,
    /// max over ||d||_p <= eps of a.d is eps * ||a||_q.
    @inline(__always)
    public func dual(_ row: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case .l1: return row.largestMagnitude()
        case .l2: return row.sumOfSquares().squareRoot()
        case .linf: return row.sumOfMagnitudes()
        }
    }

    /// Row `row` of `coefficients` (rows of `width` columns of delta) summed over the perturbed frames, each
    /// frame's part in the dual norm: the most the row's linear function can move over the set at eps = 1,
    /// because each frame has its own ball. `frames` gives each frame's first column and width; a frame
    /// that starts past `width` has no coefficients there (forward-running nodes keep only a prefix).
    func dual(_ coefficients: UnsafeBufferPointer<Double>, row: Int, width: Int, frames: [(start: Int, width: Int)]) -> Double {
        var sum = 0.0
        for frame in frames where frame.start < width {
            let base = row &* width &+ frame.start
            sum += dual(UnsafeBufferPointer(rebasing: coefficients[base..<(base + frame.width)]))
        }
        return sum
    }

    /// g[row] -= scale * (a subgradient of ||c[row]||_q), for the margin optimizer's adjoint of the
    /// concretization term -eps * ||c_row||_q.
    func subtractDualGradient(of c: [Double], row r: Int, width n: Int, scale: Double, from g: inout [Double]) {
        let base = r * n
        switch self {
        case .l1:
            var top = base
            for k in base..<(base + n) where abs(c[k]) > abs(c[top]) { top = k }
            g[top] -= scale * (c[top] >= 0 ? 1 : -1)
        case .l2:
            var sum = 0.0
            for k in base..<(base + n) { sum += c[k] * c[k] }
            guard sum > 0 else { return }
            let factor = scale / sum.squareRoot()
            for k in base..<(base + n) { g[k] -= factor * c[k] }
        case .linf:
            for k in base..<(base + n) where c[k] != 0 { g[k] -= scale * (c[k] > 0 ? 1 : -1) }
        }
    }

    /// ||v||_p, used by the attack to measure and project perturbations.
    public func length(_ v: [Double]) -> Double {
        switch self {
        case .l1: return v.reduce(0) { $0 + abs($1) }
        case .l2: return v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        case .linf: return v.reduce(0) { max($0, abs($1)) }
        }
    }
}
