/// Where the tightest upper tangent of an S-shaped function through a left end touches it, as a function of
/// that end: the d*(l) >= 0 whose tangent passes through (l, f(l)), for l < 0. The relaxation of every
/// neuron whose interval crosses 0 needs it.
///
/// Solving for d*(l) neuron by neuron took 5 to 40 evaluations of f (the equation is flat near d = 0, where
/// f'' vanishes). The table holds d* on a grid of left ends, solved once per function; a lookup
/// interpolates between two entries and one Newton step polishes the result, so a neuron pays two
/// evaluations. Soundness never rests on the table: the caller shifts the tangent at whatever point it
/// gets until it passes above (l, f(l)) (`SShapedFunction.upperLines`), so the table only decides how
/// tight the line is. Beyond the table (a left end below -span, deep in saturation) the caller solves
/// directly.
struct TangentPoints: Sendable {
    /// Grid spacing in l, and d*(-k * step) for k = 0, 1, ..., count - 1.
    private let step: Double
    private let points: [Double]

    /// The table for `f` on [-span, 0], `count` entries.
    init<F: SShapedFunction>(of f: F.Type, span: Double, count: Int = 2048) {
        let step = span / Double(count - 1)
        self.step = step
        // d*(l) moves little from one entry to the next, so Newton starts from the previous root: a few
        // evaluations per entry (both tables took 2.6 ms together in a debug build, once per process).
        // The bracket still starts at 0 (gap(0) = f(0) + f'(0) l - f(l) <= 0, f being convex left of 0),
        // so an iterate that overshoots one root cannot leave the next one outside it.
        var previous = 0.0
        points = (0..<count).map { k in
            let l = -Double(k) * step
            let fl = F.value(l)
            // The root lies below any point whose gap is >= 0; gap grows without bound as d does.
            var above = max(1, 2 * previous)
            while Self.gap(f, leftEnd: l, fl: fl, at: above).value < 0 { above *= 2 }
            previous = Self.solve(f, leftEnd: l, fl: fl, bracket: (0, above), from: previous, iterations: 200)
            return previous
        }
    }

    /// A point near d*(l), for l in [-span, 0]: the polished interpolation, clamped into [0, limit]. Nil
    /// for l outside the table.
    func point<F: SShapedFunction>(_ f: F.Type, leftEnd l: Double, fl: Double, limit: Double) -> Double? {
        let position = -l / step
        guard position >= 0, position <= Double(points.count - 1) else { return nil }
        let k = min(Int(position), points.count - 2)
        let weight = position - Double(k)
        let guess = points[k] + (points[k + 1] - points[k]) * weight
        // One Newton step on gap, whose slope is positive here.
        let (gap, slope) = Self.gap(f, leftEnd: l, fl: fl, at: guess)
        let polished = slope > 0 ? guess - gap / slope : guess
        // A gap within rounding of 0 leaves nothing to polish: near l = 0, where the equation is flat, the
        // step would be noise. Nor is a step trusted that goes farther than the entries are apart, which
        // bounds the interpolation's own error.
        let trusted = abs(gap) > 64 * Double.ulpOfOne && polished.isFinite && abs(polished - guess) <= abs(points[k + 1] - points[k])
        return min(max(trusted ? polished : guess, 0), limit)
    }

    /// gap(d) = f(d) + f'(d) (l - d) - f(l), how far the tangent at d passes above (l, f(l)), and its
    /// slope gap'(d) = f''(d) (l - d), from one evaluation at d. gap is increasing on [0, inf): there
    /// f'' <= 0 and l < d.
    static func gap<F: SShapedFunction>(_ f: F.Type, leftEnd l: Double, fl: Double, at d: Double) -> (value: Double, slope: Double) {
        let (fd, first, second) = F.valueAndDerivatives(d)
        return (fd + first * (l - d) - fl, second * (l - d))
    }

    /// d*(l) inside `bracket` (gap <= 0 at its low end, >= 0 at its high end) by Newton's method from
    /// `start` (the high end when nil), kept inside the bracket (a step that leaves it bisects instead).
    /// The last iterate may sit just left of the root (Newton approaches the concave gap from below), so
    /// callers shift its tangent.
    static func solve<F: SShapedFunction>(_ f: F.Type, leftEnd l: Double, fl: Double, bracket: (Double, Double),
                                          from start: Double? = nil, iterations: Int) -> Double {
        var (below, above) = bracket
        var d = start ?? above
        for _ in 0..<iterations {
            let (gap, slope) = Self.gap(f, leftEnd: l, fl: fl, at: d)
            if gap >= 0 { above = d } else { below = d }
            var next = slope > 0 ? d - gap / slope : (below + above) / 2
            if !(next > below && next < above) { next = (below + above) / 2 }
            if abs(next - d) <= 1e-12 * max(1, d) { break }
            d = next
        }
        return d
    }
}
