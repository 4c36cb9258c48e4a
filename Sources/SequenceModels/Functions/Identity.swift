/// y itself: the second factor of the gated product sigma(x) * y.
public enum Identity: ElementwiseFunction {
    public static let name = "identity"
    @inlinable
    public static func value(_ x: Double) -> Double { x }
    @inlinable
    public static func derivative(_ x: Double) -> Double { 1 }
}
