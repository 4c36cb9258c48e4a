import Foundation

/// The scalar nonlinearities of PyTorch's recurrent cells.
public enum Activation {
    /// The logistic sigmoid, written so that it neither overflows nor loses precision for large |x|.
    @inline(__always)
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    @inline(__always)
    public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

    @inline(__always)
    public static func relu(_ x: Double) -> Double { x > 0 ? x : 0 }
}
