import SequenceModels

/// sigma(x) * g(y) for a monotone factor g whose relaxation is known.
extension SigmoidProduct: BinaryOperator where Factor: ProductFactor {
    /// df/dx = sigma'(x) g(y), df/dy = sigma(x) g'(y); each factor's range on the box is exact.
    public static func partials(on box: Box) -> (dx: Interval, dy: Interval) {
        let sigma = Interval(Sigmoid.value(box.xl), Sigmoid.value(box.xu))
        let factor = Interval(Factor.value(box.yl), Factor.value(box.yu))
        return (Sigmoid.derivativeRange(lower: box.xl, upper: box.xu) * factor,
                sigma * Factor.derivativeRange(lower: box.yl, upper: box.yu))
    }

    /// sigma'(x) g(y) = slope.
    public static func criticalXs(onEdgeY y: Double, slope: Double) -> [Double] {
        let factor = Factor.value(y)
        return factor == 0 ? [] : Sigmoid.points(withDerivative: slope / factor)
    }

    /// sigma(x) g'(y) = slope.
    public static func criticalYs(onEdgeX x: Double, slope: Double) -> [Double] {
        Factor.points(withDerivative: slope / Sigmoid.value(x))
    }

    /// For g linear the Hessian of sigma(x) y is [[sigma'' y, sigma'], [sigma', 0]], of determinant
    /// -sigma'^2 < 0: only saddle points inside. sigma(x) tanh(y) can have interior extrema.
    public static var hasInteriorExtrema: Bool { !Factor.isLinear }

    /// With s = sigma(x) in [sl, su] and t = g(y) in [tl, tu], (s - sl)(t - tl) >= 0 and
    /// (su - s)(tu - t) >= 0 give s t >= sl t + tl s - sl tl and s t >= su t + tu s - su tu; the mirrored
    /// products give the upper forms. Each right side is linear in (s, t); replacing s and t by the 1D
    /// line of the side the coefficient's sign calls for keeps the inequality, giving a plane in (x, y).
    public static func candidatePlanes(on box: Box) -> (lower: [Plane], upper: [Plane]) {
        let sLines = Sigmoid.relax(lower: box.xl, upper: box.xu)
        let tLines = Factor.relax(lower: box.yl, upper: box.yu)
        let (sl, su) = (Sigmoid.value(box.xl), Sigmoid.value(box.xu))
        let (tl, tu) = (Factor.value(box.yl), Factor.value(box.yu))
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
