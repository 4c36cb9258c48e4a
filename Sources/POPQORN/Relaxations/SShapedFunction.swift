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
    /// The upper tangent points d*(l) through left ends, tabulated once per function.
    static var tangentPoints: TangentPoints { get }
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
    ///   <= 0 by shifting the line up by any remaining f(l) - U(l) > 0. So the tangent at any d in [0, u],
    ///   shifted, is sound; d only decides tightness, and the tightest is d*(l), whose tangent passes
    ///   through (l, f(l)) (`TangentPoints` finds it). If the tangent at u passes below (l, f(l)), d*(l)
    ///   lies beyond u and the chord l..u is above f instead, and tighter.
    /// The lower line follows from f(x) = 2 f(0) - f(-x). Both lines are widened by a few ulps at the end.
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        relax(lower: l, upper: u, ends: (sample(l), sample(u)))
    }

    /// The lines above and other sound ones, ordered by `Relaxation.score` (the engine's default is the
    /// first; the margin optimizer mixes them all): tangents at the ends and quarter points of a convex or
    /// concave piece, across 0 the tangent at u and one between d*(l) and u, and the constant range (f is
    /// increasing).
    public static func relaxations(lower l: Double, upper u: Double) -> Relaxation {
        rangeAndRelaxations(lower: l, upper: u).relaxation
    }

    /// The range and the relaxation from one evaluation of each end, for the range (f is increasing) and
    /// for the tangents there.
    public static func rangeAndRelaxations(lower l: Double, upper u: Double) -> (range: (Double, Double), relaxation: Relaxation) {
        relaxations(lower: l, upper: u, ends: (sample(l), sample(u)), alternatives: true)
    }

    /// `relax`'s lines from f and f' at the ends, sampled by the caller (`ProductFactor.relax(lower:upper:ends:)`).
    public static func relax(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> LineBounds {
        let choices = relaxations(lower: l, upper: u, ends: ends, alternatives: false).relaxation
        return LineBounds(lowerSlope: choices.lower[0].a, lowerIntercept: choices.lower[0].c,
                          upperSlope: choices.upper[0].a, upperIntercept: choices.upper[0].c)
    }

    private static func relaxations(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample),
                                    alternatives: Bool) -> (range: (Double, Double), relaxation: Relaxation) {
        precondition(l <= u, "relaxation interval [\(l), \(u)] is empty")
        let (atL, atU) = ends
        let range = (atL.value, atU.value)
        // On a (near-)point interval the constant range loses nothing and avoids dividing by u - l.
        if u - l <= 1e-9 * max(1, abs(l), abs(u)) {
            let rounding = slack(atL.value, atU.value)
            return (range, Relaxation(lower: [Plane(a: 0, b: 0, c: atL.value - rounding)], upper: [Plane(a: 0, b: 0, c: atU.value + rounding)]))
        }
        let f0 = value(0)
        let rounding = slack(atL.value, atU.value, l * atL.slope, u * atU.slope, f0)
        var upper = [Plane](), lower = [Plane]()
        upper.reserveCapacity(6)
        lower.reserveCapacity(6)
        upperLines(l, u, ends: (atL, atU), alternatives: alternatives) { line in
            upper.append(Plane(a: line.slope, b: 0, c: line.intercept + rounding))
        }
        let reflected = (sample(-u), sample(-l))
        upperLines(-u, -l, ends: reflected, alternatives: alternatives) { line in
            lower.append(Plane(a: line.slope, b: 0, c: 2 * f0 - line.intercept - rounding))
        }
        guard alternatives else { return (range, Relaxation(lower: lower, upper: upper)) }
        upper.append(Plane(a: 0, b: 0, c: atU.value + rounding))
        lower.append(Plane(a: 0, b: 0, c: atL.value - rounding))
        var relaxation = Relaxation(lower: lower, upper: upper)
        relaxation.order(on: Box(xl: l, xu: u, yl: 0, yu: 0))
        return (range, relaxation)
    }

    /// Sound upper lines on [l, u], given f and f' at both ends, the tightest-by-area first (see the
    /// argument above); only that one without `alternatives`. Each line goes to `emit`.
    private static func upperLines(_ l: Double, _ u: Double, ends: (FactorSample, FactorSample), alternatives: Bool,
                                   emit: (_ line: (slope: Double, intercept: Double)) -> Void) {
        let (atL, atU) = ends
        let (fl, fu) = (atL.value, atU.value)
        if u <= 0 {
            let chordSlope = (fu - fl) / (u - l)
            return emit((chordSlope, fl - chordSlope * l))
        }
        if l >= 0 {
            emit(tangent(at: (l + u) / 2))
            guard alternatives else { return }
            emit((atL.slope, fl - atL.slope * l))
            emit((atU.slope, fu - atU.slope * u))
            emit(tangent(at: (3 * l + u) / 4))
            emit(tangent(at: (l + 3 * u) / 4))
            return
        }
        // The tangent at u passes below (l, f(l)): d*(l) lies beyond u, and the chord is the line.
        if fu + atU.slope * (l - u) - fl <= 0 {
            let chordSlope = (fu - fl) / (u - l)
            return emit((chordSlope, fl - chordSlope * l))
        }
        let d = tangentPoints.point(Self.self, leftEnd: l, fl: fl, limit: u)
            ?? TangentPoints.solve(Self.self, leftEnd: l, fl: fl, bracket: (0, u), iterations: 12)
        // A tangent at d in [0, u] shifted up until it passes above (l, f(l)): sound for any such d.
        func shiftedTangent(at d: Double) -> (slope: Double, intercept: Double) {
            var line = tangent(at: d)
            let shortfall = fl - (line.slope * l + line.intercept)
            if shortfall > 0 { line.intercept += shortfall }
            return line
        }
        emit(shiftedTangent(at: d))
        guard alternatives else { return }
        // Beyond d*(l) a tangent leaves a gap at l that only grows, but may serve rows that weigh x = u.
        emit((atU.slope, fu - atU.slope * u))
        emit(shiftedTangent(at: (d + u) / 2))
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
