/// An element-wise nonlinearity the bound engine can relax: each conforming type is one file in
/// `Operators/`, so a new activation is a new file, not an edit across the engine.
public protocol UnaryOperator: Sendable {
    /// A name for logs and test reports.
    static var name: String { get }
    static func value(_ x: Double) -> Double
    /// Sound lines on [l, u] (l <= u; l == u allowed).
    static func relax(lower l: Double, upper u: Double) -> LineBounds
    /// The exact range on [l, u]; every operator here is monotone non-decreasing.
    static func range(lower l: Double, upper u: Double) -> (Double, Double)
    /// Every sound line on [l, u] worth offering the margin optimizer, `relax`'s lines first.
    static func relaxations(lower l: Double, upper u: Double) -> Relaxation
}

extension UnaryOperator {
    public static func range(lower l: Double, upper u: Double) -> (Double, Double) { (value(l), value(u)) }

    /// `relax`'s lines and the constant range (sound for a monotone operator).
    public static func relaxations(lower l: Double, upper u: Double) -> Relaxation {
        let (low, high) = range(lower: l, upper: u)
        return Relaxation(relax(lower: l, upper: u), range: (low - 1e-15 * max(1, abs(low)), high + 1e-15 * max(1, abs(high))))
    }
}
