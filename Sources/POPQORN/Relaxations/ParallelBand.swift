/// A function enclosed between two parallel planes on a box: for every (x, y) of the box,
///
///     |f(x, y) - (slopeX x + slopeY y + intercept)| <= halfWidth
///
/// (slopeY = 0 for a function of one variable). This is the form a zonotope needs (`Zonotope`): the
/// middle plane is applied to the operands' affine forms exactly, and the band becomes one new noise
/// symbol. CROWN's two planes serve backward passes better, because each side may tilt its own way; one
/// shared slope keeps linear maps exact when bounds are carried forward. DeepZ (Singh et al., NeurIPS
/// 2018) gives the band of ReLU used here, and one of the two bands tanh and sigmoid choose between
/// (`SShapedFunction.parallelBand`).
public struct ParallelBand: Sendable, Equatable {
    public var slopeX: Double
    public var slopeY: Double
    public var intercept: Double
    public var halfWidth: Double

    public init(slopeX: Double, slopeY: Double = 0, intercept: Double, halfWidth: Double) {
        self.slopeX = slopeX
        self.slopeY = slopeY
        self.intercept = intercept
        self.halfWidth = halfWidth
    }

    /// The exact band of the line slope x.
    public static func linear(slope: Double) -> ParallelBand {
        ParallelBand(slopeX: slope, intercept: 0, halfWidth: 0)
    }

    /// The band between the values `low` (at a point where f - slope x is smallest) and `high` (where it
    /// is largest): intercept their middle, half-width half their distance, `widened`.
    static func between(low: Double, high: Double, slope: Double, size: Double) -> ParallelBand {
        ParallelBand(slopeX: slope, intercept: (low + high) / 2, halfWidth: widened((high - low) / 2, size: size))
    }

    /// A half-width computed in floating point, widened by a relative 1e-13 of `size` (the largest
    /// magnitude its computation combined) plus the smallest normal number: far more than the few
    /// roundings of a band's arithmetic can take off it.
    static func widened(_ halfWidth: Double, size: Double) -> Double {
        halfWidth + 1e-13 * size + .leastNormalMagnitude
    }
}
