import Foundation

/// A factor evaluated at one point: its value and its slope there.
public struct FactorSample: Sendable, Equatable {
    public var value: Double
    public var slope: Double
}

/// A factor of a cross-nonlinearity product: what the plane construction needs to know of it.
public protocol ProductFactor: UnaryOperator {
    /// The range of f' on [l, u].
    static func derivativeRange(lower l: Double, upper u: Double) -> Interval
    /// f and f' at x.
    static func sample(_ x: Double) -> FactorSample
    /// The ranges of f and of f' on [l, u] from the samples at its ends, bit for bit `range` and
    /// `derivativeRange`: the plane offsets' branch and bound asks for both on every cell, and a cell's
    /// halves share its ends (`VerifiedMinimum`).
    static func ranges(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> (value: Interval, derivative: Interval)
    /// `relax`'s lines given f and f' at l and u (`sample`), which a product's other planes use too.
    static func relax(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> LineBounds
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

    public static func sample(_ x: Double) -> FactorSample {
        let (value, first, _) = valueAndDerivatives(x)
        return FactorSample(value: value, slope: first)
    }

    /// f' at an end comes with f (`valueAndDerivatives`, the same arithmetic as `derivative`), and the
    /// point nearest 0 and the end farthest from it are ends, or 0.
    public static func ranges(lower l: Double, upper u: Double, ends: (FactorSample, FactorSample)) -> (value: Interval, derivative: Interval) {
        let (atL, atU) = ends
        let nearest = l > 0 ? atL.slope : (u < 0 ? atU.slope : derivative(0))
        let farthest = abs(l) > abs(u) ? atL.slope : atU.slope
        return (Interval(atL.value, atU.value), Interval(farthest, nearest))
    }
}
