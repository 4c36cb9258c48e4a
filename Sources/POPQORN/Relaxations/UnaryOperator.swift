import SequenceModels

/// An element-wise function the bound engine can relax: each conforming type is one file in
/// `Operators/`, so a new activation is a new file, not an edit across the engine.
///
/// Requirement: a conforming function is monotone non-decreasing, unless it overrides `range` (the
/// default reads the range off the interval's ends). `RelaxationTests` checks every operator on a grid.
public protocol UnaryOperator: ElementwiseFunction {
    /// Sound lines on [l, u] (l <= u; l == u allowed).
    static func relax(lower l: Double, upper u: Double) -> LineBounds
    /// The exact range on [l, u].
    static func range(lower l: Double, upper u: Double) -> (Double, Double)
    /// Every sound line on [l, u] worth offering the margin optimizer, `relax`'s lines first.
    static func relaxations(lower l: Double, upper u: Double) -> Relaxation
    /// `range` and `relaxations` together: an operator that evaluates its ends for both does so once.
    static func rangeAndRelaxations(lower l: Double, upper u: Double) -> (range: (Double, Double), relaxation: Relaxation)
    /// A sound parallel band on [l, u] (`ParallelBand`; slopeY = 0), for the zonotope method.
    static func parallelBand(lower l: Double, upper u: Double) -> ParallelBand
}

extension UnaryOperator {
    /// The ends' values: the range of a monotone non-decreasing function.
    public static func range(lower l: Double, upper u: Double) -> (Double, Double) { (value(l), value(u)) }

    public static func rangeAndRelaxations(lower l: Double, upper u: Double) -> (range: (Double, Double), relaxation: Relaxation) {
        (range(lower: l, upper: u), relaxations(lower: l, upper: u))
    }

    /// `relax`'s lines and the constant range.
    public static func relaxations(lower l: Double, upper u: Double) -> Relaxation {
        let (low, high) = range(lower: l, upper: u)
        return Relaxation(relax(lower: l, upper: u), range: (low - 1e-15 * max(1, abs(low)), high + 1e-15 * max(1, abs(high))))
    }
}
