import Foundation

/// A smooth increasing function that is convex on (-inf, 0], concave on [0, inf) and point-symmetric
/// about (0, f(0)): f(-x) = 2 f(0) - f(x). tanh and the logistic sigmoid are both of this shape, and
/// share one relaxation.
protocol SShapedFunction: UnaryOperator {
    static func derivative(_ x: Double) -> Double
}

extension SShapedFunction {
    /// Lines on [l, u], tangents and chords as in CROWN, written once for the upper line; the lower line is
    /// the upper line of the point-reflected interval [-u, -l], reflected back.
    ///
    /// Soundness of the upper line U on [l, u]:
    /// - u <= 0: f is convex there, so it lies below its chord.
    /// - l >= 0: f is concave there, so it lies below every tangent (the midpoint one is area-optimal).
    /// - l < 0 < u: the tangent at any d >= 0 lies above f on [0, inf) (concavity). On [l, 0] f - U is
    ///   convex, so its maximum is at l or 0; at 0 it is <= 0 by the previous sentence, and at l we make it
    ///   <= 0 by choosing d as the point whose tangent passes through (l, f(l)), found by bisection and
    ///   then shifted up by any remaining f(l) - U(l) > 0. If that d lies beyond u, the chord l..u is
    ///   above f instead (the tangent at u passes below (l, f(l))), and is tighter.
    /// The lower line follows from f(x) = 2 f(0) - f(-x). Both lines are widened by a few ulps at the end.
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        precondition(l <= u, "relaxation interval [\(l), \(u)] is empty")
        // On a (near-)point interval the constant range loses nothing and avoids dividing by u - l.
        if u - l <= 1e-9 * max(1, abs(l), abs(u)) {
            let (low, high) = range(lower: l, upper: u)
            return LineBounds.constant(low: low, high: high).widened(by: slack(low, high))
        }
        let upper = upperLine(l, u)
        let reflected = upperLine(-u, -l)
        let f0 = value(0)
        let bounds = LineBounds(lowerSlope: reflected.slope, lowerIntercept: 2 * f0 - reflected.intercept,
                                upperSlope: upper.slope, upperIntercept: upper.intercept)
        return bounds.widened(by: slack(bounds.lowerIntercept, bounds.upperIntercept, abs(l) * upper.slope,
                                        abs(u) * upper.slope))
    }

    private static func upperLine(_ l: Double, _ u: Double) -> (slope: Double, intercept: Double) {
        let fl = value(l), fu = value(u)
        let chordSlope = (fu - fl) / (u - l)
        let chord = (chordSlope, fl - chordSlope * l)
        if u <= 0 { return chord }
        if l >= 0 { return tangent(at: (l + u) / 2) }
        // The tangent at d passes above (l, f(l)) iff gap(d) >= 0; gap is increasing on [0, inf).
        func gap(_ d: Double) -> Double { value(d) + derivative(d) * (l - d) - fl }
        if gap(u) <= 0 { return chord }
        var below = 0.0, above = u
        for _ in 0..<24 {
            let mid = (below + above) / 2
            if gap(mid) >= 0 { above = mid } else { below = mid }
        }
        var line = tangent(at: above)
        let shortfall = fl - (line.slope * l + line.intercept)
        if shortfall > 0 { line.intercept += shortfall }
        return line
    }

    private static func tangent(at d: Double) -> (slope: Double, intercept: Double) {
        let slope = derivative(d)
        return (slope, value(d) - slope * d)
    }

    /// Rounding allowance: a few ulps of the largest magnitude involved in evaluating the lines.
    private static func slack(_ magnitudes: Double...) -> Double {
        8 * Double.ulpOfOne * max(1, magnitudes.reduce(0) { max($0, abs($1)) })
    }
}
