import Foundation

/// A factor of a cross-nonlinearity product: what the plane construction needs to know of it.
public protocol ProductFactor: UnaryOperator {
    /// The range of f' on [l, u].
    static func derivativeRange(lower l: Double, upper u: Double) -> Interval
    /// The ranges of f and of f' on [l, u] together, bit for bit `range` and `derivativeRange`: the plane
    /// offsets' branch and bound asks for both on every cell (`VerifiedMinimum`).
    static func ranges(lower l: Double, upper u: Double) -> (value: Interval, derivative: Interval)
    /// Every x with f'(x) = q: where an edge of a box can hold an extremum of f - plane.
    static func points(withDerivative q: Double) -> [Double]
    /// f is linear, so f'(x) = q holds nowhere or everywhere and only edge ends matter.
    static var isLinear: Bool { get }
}

extension SShapedFunction {
    /// f' is even and decreasing in |x| for tanh and sigmoid: the largest value is at the point of
    /// [l, u] nearest 0, the smallest at the end farthest from 0.
    public static func derivativeRange(lower l: Double, upper u: Double) -> Interval {
        let nearest = l > 0 ? l : (u < 0 ? u : 0)
        let farthest = abs(l) > abs(u) ? l : u
        return Interval(derivative(farthest), derivative(nearest))
    }

    /// Both ranges from one evaluation of each end: f' at an end comes with f (`valueAndDerivatives`,
    /// the same arithmetic as `derivative`), and the point nearest 0 and the end farthest from it are
    /// ends, or 0.
    public static func ranges(lower l: Double, upper u: Double) -> (value: Interval, derivative: Interval) {
        let atL = valueAndDerivatives(l), atU = valueAndDerivatives(u)
        let nearest = l > 0 ? atL.first : (u < 0 ? atU.first : derivative(0))
        let farthest = abs(l) > abs(u) ? atL.first : atU.first
        return (Interval(atL.value, atU.value), Interval(farthest, nearest))
    }
}
