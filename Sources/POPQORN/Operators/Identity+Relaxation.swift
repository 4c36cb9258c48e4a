import SequenceModels

/// y itself is its own exact relaxation: the second factor of sigma(x) * y.
extension Identity: ProductFactor {
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        LineBounds(lowerSlope: 1, lowerIntercept: 0, upperSlope: 1, upperIntercept: 0)
    }
    public static func relax(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> LineBounds {
        relax(lower: l, upper: u)
    }
    public static func parallelBand(lower l: Double, upper u: Double) -> ParallelBand { .linear(slope: 1) }
    public static func derivativeRange(lower l: Double, upper u: Double) -> Interval { Interval(1, 1) }
    public static func sample(_ x: Double) -> FactorSample { FactorSample(value: x, slope: 1) }
    public static func ranges(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> (value: Interval, derivative: Interval) {
        (Interval(l, u), Interval(1, 1))
    }
    public static func points(withDerivative q: Double) -> [Double] { [] }
    public static var isLinear: Bool { true }
}
