import SequenceModels

/// Relaxed as sigma(x') * y on the box reflected in x (x' = -x), and the planes reflected back: a sound
/// plane in (x', y) is one in (x, y) with the x coefficient negated.
extension ComplementSigmoidProduct: BinaryOperator {
    /// The factor sigma(x') is sampled at x' = -x.
    public static func sample(x: Double) -> FactorSample { SigmoidLinearProduct.sample(x: -x) }
    public static func sample(y: Double) -> FactorSample { SigmoidLinearProduct.sample(y: y) }
    public static func value(x: FactorSample, y: FactorSample) -> Double { SigmoidLinearProduct.value(x: x, y: y) }

    public static func partials(on box: Box, ends: BoxEnds) -> (dx: Interval, dy: Interval) {
        let (dx, dy) = SigmoidLinearProduct.partials(on: reflected(box), ends: reflected(ends))
        return (Interval(-dx.high, -dx.low), dy)
    }

    public static func candidatePlanes(on box: Box, ends: BoxEnds) -> (lower: [Plane], upper: [Plane]) {
        let (lower, upper) = SigmoidLinearProduct.candidatePlanes(on: reflected(box), ends: reflected(ends))
        return (lower.map(reflected), upper.map(reflected))
    }

    public static func criticalXs(onEdge y: FactorSample, slope: Double) -> [Double] {
        SigmoidLinearProduct.criticalXs(onEdge: y, slope: -slope).map { -$0 }
    }

    /// `x` is sampled at x' = -x already (`sample(x:)`).
    public static func criticalYs(onEdge x: FactorSample, slope: Double) -> [Double] {
        SigmoidLinearProduct.criticalYs(onEdge: x, slope: slope)
    }

    public static var hasInteriorExtrema: Bool { false }

    /// sigma(x') y's band on the reflected box, its x slope negated.
    public static func parallelBand(on box: Box) -> ParallelBand {
        var band = SigmoidLinearProduct.parallelBand(on: reflected(box))
        band.slopeX = -band.slopeX
        return band
    }

    private static func reflected(_ box: Box) -> Box { Box(xl: -box.xu, xu: -box.xl, yl: box.yl, yu: box.yu) }
    /// The reflected box's x ends are this box's, swapped (x' = -x turns xu into its lower end).
    private static func reflected(_ ends: BoxEnds) -> BoxEnds { BoxEnds(x: (ends.x.1, ends.x.0), y: ends.y) }
    private static func reflected(_ plane: Plane) -> Plane { Plane(a: -plane.a, b: plane.b, c: plane.c) }
}
