import SequenceModels

/// Relaxed as sigma(x') * y on the box reflected in x (x' = -x), and the planes reflected back: a sound
/// plane in (x', y) is one in (x, y) with the x coefficient negated.
extension ComplementSigmoidProduct: BinaryOperator {
    public static func sample(x: Double) -> FactorSample { SigmoidLinearProduct.sample(x: -x) }
    public static func sample(y: Double) -> FactorSample { SigmoidLinearProduct.sample(y: y) }

    /// The reflected box's ends are this box's, swapped.
    public static func partials(on box: Box, xEnds: (FactorSample, FactorSample), yEnds: (FactorSample, FactorSample)) -> (dx: Interval, dy: Interval) {
        let (dx, dy) = SigmoidLinearProduct.partials(on: reflected(box), xEnds: (xEnds.1, xEnds.0), yEnds: yEnds)
        return (Interval(-dx.high, -dx.low), dy)
    }

    public static func candidatePlanes(on box: Box) -> (lower: [Plane], upper: [Plane]) {
        let (lower, upper) = SigmoidLinearProduct.candidatePlanes(on: reflected(box))
        return (lower.map(reflected), upper.map(reflected))
    }

    public static func criticalXs(onEdgeY y: Double, slope: Double) -> [Double] {
        SigmoidLinearProduct.criticalXs(onEdgeY: y, slope: -slope).map { -$0 }
    }

    public static func criticalYs(onEdgeX x: Double, slope: Double) -> [Double] {
        SigmoidLinearProduct.criticalYs(onEdgeX: -x, slope: slope)
    }

    public static var hasInteriorExtrema: Bool { false }

    /// sigma(x') y's band on the reflected box, its x slope negated.
    public static func parallelBand(on box: Box) -> ParallelBand {
        var band = SigmoidLinearProduct.parallelBand(on: reflected(box))
        band.slopeX = -band.slopeX
        return band
    }

    private static func reflected(_ box: Box) -> Box { Box(xl: -box.xu, xu: -box.xl, yl: box.yl, yu: box.yu) }
    private static func reflected(_ plane: Plane) -> Plane { Plane(a: -plane.a, b: plane.b, c: plane.c) }
}
