/// y itself: the second factor of the gated product sigma(x) * y.
public enum Identity: ElementwiseFunction {
    public static let name = "identity"
    @inline(__always)
    public static func value(_ x: Double) -> Double { x }
    public static func derivative(_ x: Double) -> Double { 1 }
}
