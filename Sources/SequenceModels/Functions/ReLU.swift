/// max(0, x), the activation of ReLU RNNs.
public enum ReLU: ElementwiseFunction {
    public static let name = "relu"

    @inlinable
    public static func value(_ x: Double) -> Double { x > 0 ? x : 0 }

    /// 0 at the kink, as PyTorch takes it.
    @inlinable
    public static func derivative(_ x: Double) -> Double { x > 0 ? 1 : 0 }
}
