import Foundation
import SequenceModels

/// A smooth increasing function that is convex on (-inf, 0], concave on [0, inf) and point-symmetric
/// about (0, f(0)): f(-x) = 2 f(0) - f(x). tanh and the logistic sigmoid are both of this shape, and
/// share one relaxation.
protocol SShapedFunction: UnaryOperator {
    /// f(x), f'(x) and f''(x) from one evaluation of the function (the tangent search's Newton steps).
    static func valueAndDerivatives(_ x: Double) -> (value: Double, first: Double, second: Double)
    /// Every x with f'(x) = q, the positive one first (f' is even).
    static func points(withDerivative q: Double) -> [Double]
}

extension SShapedFunction {
    /// The narrower of two bands, each sound for its own slope (`band(slope:lower:upper:values:)`):
    /// - DeepZ's (Singh et al., NeurIPS 2018): the slope is the smallest f' on [l, u], so f - slope x is
    ///   non-decreasing and the band runs between its values at the ends;
    /// - the chord's: the slope of the line through (l, f(l)) and (u, f(u)). On a convex or a concave piece
    ///   no band is narrower (it touches the arc where f' equals the chord's slope), and across 0 it is
    ///   usually far narrower than DeepZ's: on [-2, 2], tanh's half-width is 0.28 against 0.82, because
    ///   DeepZ's slope there is tanh'(2) = 0.07.
    ///
    /// A narrower band is one smaller fresh symbol per neuron, and its larger slope keeps more of the
    /// operand's correlation with delta, so the chord band serves every later node too.
    public static func parallelBand(lower l: Double, upper u: Double) -> ParallelBand {
        let ends = (value(l), value(u))
        let smallest = max(0, derivativeRange(lower: l, upper: u).low * (1 - 1e-12))
        let deepZ = band(slope: smallest, lower: l, upper: u, values: ends)
        let chord = (ends.1 - ends.0) / (u - l)
        guard u > l, chord.isFinite, chord > smallest else { return deepZ }
        let parallel = band(slope: chord, lower: l, upper: u, values: ends)
        return parallel.halfWidth < deepZ.halfWidth ? parallel : deepZ
    }

    /// The band of slope `slope` >= 0 on [l, u], given `values` = (f(l), f(u)): g(x) = f(x) - slope x lies between its smallest and largest
    /// values there, found piece by piece. g is convex on [l, 0] and concave on [0, u] (the linear term
    /// changes no curvature), so
    /// - its largest value on the convex piece is at one of the piece's ends, and on the concave piece it is
    ///   below any tangent of g, whose largest value on the piece is at one of the piece's ends;
    /// - symmetrically, its smallest value on the concave piece is at an end, and on the convex piece it is
    ///   above any tangent there, taken at its smaller end value.
    /// Every tangent bounds g whatever its point, so the points only decide tightness: each is where
    /// f' = slope (g is flat there and the tangent touches the extremum), clamped into its piece. The
    /// widening covers the rounding of every value and product combined.
    static func band(slope: Double, lower l: Double, upper u: Double, values: (Double, Double)) -> ParallelBand {
        let (fl, fu) = values
        // A saturated interval has slope 0; skipping the products keeps 0 * an infinite end out of it.
        guard slope > 0 else { return .between(low: fl, high: fu, slope: 0, size: abs(fl) + abs(fu)) }
        let critical = abs(points(withDerivative: slope).first ?? 0)
        var low = Double.infinity, high = -Double.infinity
        let f0 = value(0)
        var size = abs(fl) + abs(fu) + slope * (abs(l) + abs(u)) + abs(f0)
        // The tangent of g at a (clamped into [p, q]) at both ends of [p, q].
        func tangent(at point: Double, from p: Double, to q: Double) -> (Double, Double) {
            let a = min(max(point, p), q)
            let (fa, derivative, _) = valueAndDerivatives(a)
            let (ga, slopeA) = (fa - slope * a, derivative - slope)
            size += abs(fa) + slope * abs(a) + (derivative + slope) * (q - p)
            return (ga + slopeA * (p - a), ga + slopeA * (q - a))
        }
        if l <= 0 {
            let m = min(u, 0)
            let fm = m == u ? fu : f0
            high = max(fl - slope * l, fm - slope * m)
            let (atL, atM) = tangent(at: -critical, from: l, to: m)
            low = min(atL, atM)
        }
        if u >= 0 {
            let m = max(l, 0)
            let fm = m == l ? fl : f0
            low = min(low, fm - slope * m, fu - slope * u)
            let (atM, atU) = tangent(at: critical, from: m, to: u)
            high = max(high, atM, atU)
        }
        return .between(low: low, high: high, slope: slope, size: size)
    }

    /// Lines on [l, u], tangents and chords as in CROWN, written once for the upper line; the lower line is
    /// the upper line of the point-reflected interval [-u, -l], reflected back.
    ///
    /// Soundness of the upper line U on [l, u]:
    /// - u <= 0: f is convex there, so it lies below its chord.
    /// - l >= 0: f is concave there, so it lies below every tangent (the midpoint one is area-optimal).
    /// - l < 0 < u: the tangent at any d >= 0 lies above f on [0, inf) (concavity). On [l, 0] f - U is
    ///   convex, so its maximum is at l or 0; at 0 it is <= 0 by the previous sentence, and at l we make it
    ///   <= 0 by choosing d as the point whose tangent passes through (l, f(l)), found by Newton's method
    ///   and then shifted up by any remaining f(l) - U(l) > 0 (so any d in [0, u] is sound; the search
    ///   only makes the line tight). If that d lies beyond u, the chord l..u is
    ///   above f instead (the tangent at u passes below (l, f(l))), and is tighter.
    /// The lower line follows from f(x) = 2 f(0) - f(-x). Both lines are widened by a few ulps at the end.
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        let choices = relaxations(lower: l, upper: u, alternatives: false)
        return LineBounds(lowerSlope: choices.lower[0].a, lowerIntercept: choices.lower[0].c,
                          upperSlope: choices.upper[0].a, upperIntercept: choices.upper[0].c)
    }

    /// The lines above and other sound ones, ordered by `Relaxation.score` (the engine's default is the
    /// first; the margin optimizer mixes them all): tangents at the ends and quarter points of a convex or
    /// concave piece, across 0 any tangent point beyond the one through the far end (the gap it leaves at
    /// that end only grows), and the constant range (f is increasing).
    public static func relaxations(lower l: Double, upper u: Double) -> Relaxation {
        relaxations(lower: l, upper: u, alternatives: true)
    }

    private static func relaxations(lower l: Double, upper u: Double, alternatives: Bool) -> Relaxation {
        precondition(l <= u, "relaxation interval [\(l), \(u)] is empty")
        // Each end evaluated once: f is increasing, so (f(l), f(u)) is its range, and f' comes from the
        // same evaluation (`valueAndDerivatives`), bit for bit what `derivative` computes.
        let (low, lowSlope, _) = valueAndDerivatives(l)
        let (high, highSlope, _) = valueAndDerivatives(u)
        // On a (near-)point interval the constant range loses nothing and avoids dividing by u - l.
        if u - l <= 1e-9 * max(1, abs(l), abs(u)) {
            let rounding = slack(low, high)
            return Relaxation(lower: [Plane(a: 0, b: 0, c: low - rounding)], upper: [Plane(a: 0, b: 0, c: high + rounding)])
        }
        let f0 = value(0)
        let rounding = slack(low, high, l * lowSlope, u * highSlope, f0)
        let upper = upperLines(l, u, values: (low, high), alternatives: alternatives)
            .map { Plane(a: $0.slope, b: 0, c: $0.intercept + rounding) }
        let lower = upperLines(-u, -l, values: (value(-u), value(-l)), alternatives: alternatives)
            .map { Plane(a: $0.slope, b: 0, c: 2 * f0 - $0.intercept - rounding) }
        guard alternatives else { return Relaxation(lower: lower, upper: upper) }
        return Relaxation(lower: lower + [Plane(a: 0, b: 0, c: low - rounding)],
                          upper: upper + [Plane(a: 0, b: 0, c: high + rounding)]).ordered(on: Box(xl: l, xu: u, yl: 0, yu: 0))
    }

    /// Sound upper lines on [l, u] given `values` = (f(l), f(u)), the tightest-by-area first (see the
    /// argument above); only that one without `alternatives`.
    private static func upperLines(_ l: Double, _ u: Double, values: (Double, Double),
                                   alternatives: Bool) -> [(slope: Double, intercept: Double)] {
        let (fl, fu) = values
        let chordSlope = (fu - fl) / (u - l)
        let chord = (slope: chordSlope, intercept: fl - chordSlope * l)
        if u <= 0 { return [chord] }
        if l >= 0 {
            return (alternatives ? [(l + u) / 2, l, u, (3 * l + u) / 4, (l + 3 * u) / 4] : [(l + u) / 2]).map(tangent(at:))
        }
        // The tangent at d passes above (l, f(l)) iff gap(d) >= 0; gap is increasing on [0, inf), with
        // gap'(d) = f''(d) (l - d). Newton's method from u, kept inside the bracket [below, above] (a step
        // that leaves it bisects instead), settles in a few steps where bisection took 24.
        var below = 0.0, above = u, d = u
        for _ in 0..<12 {
            let (fd, first, second) = valueAndDerivatives(d)
            let gap = fd + first * (l - d) - fl
            if d == u && gap <= 0 { return [chord] }
            if gap >= 0 { above = d } else { below = d }
            let slope = second * (l - d)
            var next = slope > 0 ? d - gap / slope : (below + above) / 2
            if !(next > below && next < above) { next = (below + above) / 2 }
            if abs(next - d) <= 1e-12 * max(1, d) { break }
            d = next
        }
        // The last iterate is the closest to the root, but may sit just left of it (Newton approaches a
        // concave gap from below): the shift below covers that. The alternatives need gap >= 0, so they
        // use `above`.
        var line = tangent(at: d)
        let shortfall = fl - (line.slope * l + line.intercept)
        if shortfall > 0 { line.intercept += shortfall }
        return alternatives ? [line, tangent(at: u), tangent(at: (above + u) / 2)] : [line]
    }

    /// The tangent at d, from one evaluation of f.
    private static func tangent(at d: Double) -> (slope: Double, intercept: Double) {
        let (fd, slope, _) = valueAndDerivatives(d)
        return (slope, fd - slope * d)
    }

    /// Rounding allowance: a few ulps of the largest magnitude involved in evaluating the lines.
    private static func slack(_ magnitudes: Double...) -> Double {
        8 * Double.ulpOfOne * max(1, magnitudes.reduce(0) { max($0, abs($1)) })
    }
}
