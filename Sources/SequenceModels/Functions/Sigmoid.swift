import Foundation

/// The logistic sigmoid, the gate nonlinearity of LSTM and GRU.
public enum Sigmoid: ElementwiseFunction {
    public static let name = "sigmoid"

    /// Written so that it neither overflows nor loses precision for large |x|.
    @inlinable
    public static func value(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    @inlinable
    public static func derivative(_ x: Double) -> Double {
        let s = value(x)
        return s * (1 - s)
    }
}
