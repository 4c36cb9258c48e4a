import SequenceModels

extension ReLU: UnaryOperator {
    /// Stable neurons are exact. An unstable one (l < 0 < u) gets the chord from (l, 0) to (u, u) above,
    /// which lies over the convex function on [l, u], and below either the line 0 or the line x (both lie
    /// under max(0, x) everywhere), choosing the one closer on the larger side as CROWN does.
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        if l >= 0 { return LineBounds(lowerSlope: 1, lowerIntercept: 0, upperSlope: 1, upperIntercept: 0) }
        if u <= 0 { return LineBounds.constant(low: 0, high: 0) }
        let slope = u / (u - l)
        let rounding = 8 * Double.ulpOfOne * max(abs(l), abs(u))
        return LineBounds(lowerSlope: u >= -l ? 1 : 0, lowerIntercept: 0,
                          upperSlope: slope, upperIntercept: -slope * l + rounding)
    }

    /// Stable neurons are exact. On an unstable one (DeepZ) max(0, x) - s x with s = u / (u - l) is -s x
    /// on [l, 0] and (1 - s) x on [0, u]: it runs from -s l at l down to 0 at 0 and back up to
    /// (1 - s) u = -s l at u, so the band is [0, -s l].
    public static func parallelBand(lower l: Double, upper u: Double) -> ParallelBand {
        if l >= 0 { return .linear(slope: 1) }
        if u <= 0 { return .linear(slope: 0) }
        let slope = u / (u - l)
        return .between(low: 0, high: -slope * l, slope: slope, size: abs(l) + abs(u))
    }

    /// On an unstable neuron both lower lines, 0 and x, are offered: their combinations are every slope
    /// in [0, 1], alpha-CROWN's family.
    public static func relaxations(lower l: Double, upper u: Double) -> Relaxation {
        let lines = relax(lower: l, upper: u)
        let upper = Plane(a: lines.upperSlope, b: 0, c: lines.upperIntercept)
        guard l < 0 && u > 0 else { return Relaxation(lower: [Plane(a: lines.lowerSlope, b: 0, c: lines.lowerIntercept)], upper: [upper]) }
        return Relaxation(lower: [Plane(a: lines.lowerSlope, b: 0, c: 0), Plane(a: 1 - lines.lowerSlope, b: 0, c: 0)], upper: [upper])
    }
}
