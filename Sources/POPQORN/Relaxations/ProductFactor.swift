import Foundation

/// A factor of a cross-nonlinearity product: what the plane construction needs to know of it.
public protocol ProductFactor: UnaryOperator {
    /// The range of f' on [l, u].
    static func derivativeRange(lower l: Double, upper u: Double) -> Interval
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
}

extension Tanh: ProductFactor {
    public static var isLinear: Bool { false }

    /// 1 - tanh(x)^2 = q for 0 < q <= 1 at x = +-atanh(sqrt(1 - q)).
    public static func points(withDerivative q: Double) -> [Double] {
        guard q > 0 && q <= 1 else { return [] }
        let t = (1 - q).squareRoot()
        guard t < 1 else { return [] }
        let x = atanh(t)
        return x == 0 ? [0] : [x, -x]
    }
}

extension Sigmoid: ProductFactor {
    public static var isLinear: Bool { false }

    /// s (1 - s) = q for 0 < q <= 1/4 at s = (1 +- sqrt(1 - 4q)) / 2, x = log(s / (1 - s)).
    public static func points(withDerivative q: Double) -> [Double] {
        guard q > 0 && q <= 0.25 else { return [] }
        let root = max(0, 1 - 4 * q).squareRoot()
        let s = (1 + root) / 2
        guard s < 1 else { return [] }
        let x = log(s / (1 - s))
        return x == 0 ? [0] : [x, -x]
    }
}
