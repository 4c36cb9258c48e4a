/// A scalar function of two neurons at the same position of two vectors, such as a gated product
/// sigma(x) * tanh(y). Like `ElementwiseFunction`, the certifier adds its relaxation elsewhere.
public protocol PairwiseFunction: Sendable {
    static var name: String { get }
    static func value(_ x: Double, _ y: Double) -> Double
    /// (df/dx, df/dy) at (x, y).
    static func partialDerivatives(_ x: Double, _ y: Double) -> (dx: Double, dy: Double)
}
