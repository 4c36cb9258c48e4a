/// y itself, the second factor of sigma(x) * y.
public enum Identity: ProductFactor {
    public static let name = "identity"
    public static func value(_ x: Double) -> Double { x }
    public static func relax(lower l: Double, upper u: Double) -> LineBounds {
        LineBounds(lowerSlope: 1, lowerIntercept: 0, upperSlope: 1, upperIntercept: 0)
    }
    public static func derivativeRange(lower l: Double, upper u: Double) -> Interval { Interval(1, 1) }
    public static func points(withDerivative q: Double) -> [Double] { [] }
    public static var isLinear: Bool { true }
}
