import Foundation

/// tanh: the RNN activation, the LSTM cell input g and output squashing, the GRU candidate n.
public enum Tanh: ElementwiseFunction {
    public static let name = "tanh"

    @inlinable
    public static func value(_ x: Double) -> Double { Foundation.tanh(x) }

    @inlinable
    public static func derivative(_ x: Double) -> Double {
        let t = Foundation.tanh(x)
        return 1 - t * t
    }
}
