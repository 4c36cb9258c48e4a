import SequenceModels

/// sigma(x) * g(y) for a monotone factor g whose relaxation is known.
extension SigmoidProduct: BinaryOperator where Factor: ProductFactor {
    public static func sample(x: Double) -> FactorSample { Sigmoid.sample(x) }
    public static func sample(y: Double) -> FactorSample { Factor.sample(y) }
    /// Sigmoid.value(x) * Factor.value(y), as `value(x, y)` computes it.
    public static func value(x: FactorSample, y: FactorSample) -> Double { x.value * y.value }

    /// df/dx = sigma'(x) g(y), df/dy = sigma(x) g'(y); each factor's range on the box is exact.
    public static func partials(on box: Box, ends: BoxEnds) -> (dx: Interval, dy: Interval) {
        let (sigma, sigmaSlope) = Sigmoid.ranges(lower: box.xl, upper: box.xu, ends: ends.x)
        let (factor, factorSlope) = Factor.ranges(lower: box.yl, upper: box.yu, ends: ends.y)
        return (sigmaSlope * factor, sigma * factorSlope)
    }

    /// With s = sigma(x) in [sl, su] (middle s0, half-width rs), t = g(y) in [tl, tu] (t0, rt), and each
    /// factor in its own band (s = a1 x + m1 + e1, t = a2 y + m2 + e2):
    ///     s t = s0 t + t0 s - s0 t0 + (s - s0)(t - t0),  |(s - s0)(t - t0)| <= rs rt,
    /// so s t = t0 a1 x + s0 a2 y + (s0 m2 + t0 m1 - s0 t0) + error, |error| <= |s0| |e2| + |t0| |e1| + rs rt.
    /// The factors' ranges are exact because both are monotone; the widening covers their rounding.
    public static func parallelBand(on box: Box) -> ParallelBand {
        let (sl, su) = (Sigmoid.value(box.xl), Sigmoid.value(box.xu))
        let (tl, tu) = (Factor.value(box.yl), Factor.value(box.yu))
        let (s0, rs, t0, rt) = ((sl + su) / 2, (su - sl) / 2, (tl + tu) / 2, (tu - tl) / 2)
        let (sigma, factor) = (Sigmoid.parallelBand(lower: box.xl, upper: box.xu), Factor.parallelBand(lower: box.yl, upper: box.yu))
        let error = abs(s0) * factor.halfWidth + abs(t0) * sigma.halfWidth + rs * rt
        let size = (abs(s0) + abs(t0)) * (1 + abs(box.xl) + abs(box.xu) + abs(box.yl) + abs(box.yu)
                                           + abs(sigma.intercept) + abs(factor.intercept)) + error
        return ParallelBand(slopeX: t0 * sigma.slopeX, slopeY: s0 * factor.slopeX,
                            intercept: s0 * factor.intercept + t0 * sigma.intercept - s0 * t0,
                            halfWidth: ParallelBand.widened(error, size: size))
    }

    /// sigma'(x) g(y) = slope.
    public static func criticalXs(onEdge y: FactorSample, slope: Double) -> [Double] {
        y.value == 0 ? [] : Sigmoid.points(withDerivative: slope / y.value)
    }

    /// sigma(x) g'(y) = slope.
    public static func criticalYs(onEdge x: FactorSample, slope: Double) -> [Double] {
        Factor.points(withDerivative: slope / x.value)
    }

    /// For g linear the Hessian of sigma(x) y is [[sigma'' y, sigma'], [sigma', 0]], of determinant
    /// -sigma'^2 < 0: only saddle points inside. sigma(x) tanh(y) can have interior extrema.
    public static var hasInteriorExtrema: Bool { !Factor.isLinear }

    /// With s = sigma(x) in [sl, su] and t = g(y) in [tl, tu], (s - sl)(t - tl) >= 0 and
    /// (su - s)(tu - t) >= 0 give s t >= sl t + tl s - sl tl and s t >= su t + tu s - su tu; the mirrored
    /// products give the upper forms. Each right side is linear in (s, t); replacing s and t by the 1D
    /// line of the side the coefficient's sign calls for keeps the inequality, giving a plane in (x, y).
    public static func candidatePlanes(on box: Box, ends: BoxEnds) -> (lower: [Plane], upper: [Plane]) {
        let sLines = Sigmoid.relax(lower: box.xl, upper: box.xu, ends: ends.x)
        let tLines = Factor.relax(lower: box.yl, upper: box.yu, ends: ends.y)
        let (sl, su) = (ends.x.0.value, ends.x.1.value)
        let (tl, tu) = (ends.y.0.value, ends.y.1.value)
        // coefficient * s + coefficient * t + constant, each variable bounded on the side `lowerSide` asks.
        func plane(sCoefficient: Double, tCoefficient: Double, constant: Double, lowerSide: Bool) -> Plane {
            let sUsesLower = (sCoefficient >= 0) == lowerSide
            let tUsesLower = (tCoefficient >= 0) == lowerSide
            let (sSlope, sIntercept) = sUsesLower ? (sLines.lowerSlope, sLines.lowerIntercept) : (sLines.upperSlope, sLines.upperIntercept)
            let (tSlope, tIntercept) = tUsesLower ? (tLines.lowerSlope, tLines.lowerIntercept) : (tLines.upperSlope, tLines.upperIntercept)
            return Plane(a: sCoefficient * sSlope, b: tCoefficient * tSlope,
                         c: sCoefficient * sIntercept + tCoefficient * tIntercept + constant)
        }
        return (lower: [plane(sCoefficient: tl, tCoefficient: sl, constant: -sl * tl, lowerSide: true),
                        plane(sCoefficient: tu, tCoefficient: su, constant: -su * tu, lowerSide: true)],
                upper: [plane(sCoefficient: tl, tCoefficient: su, constant: -su * tl, lowerSide: false),
                        plane(sCoefficient: tu, tCoefficient: sl, constant: -sl * tu, lowerSide: false)])
    }
}
