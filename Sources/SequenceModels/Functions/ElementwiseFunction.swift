/// A scalar function applied to every neuron of a vector: an activation of a recurrent cell or a head.
///
/// The model's forward pass and its gradient need only the value and the derivative; the certifier adds
/// a sound relaxation to each conforming type in its own module (`POPQORN/Operators/`), so a new
/// activation is one file here and one there.
public protocol ElementwiseFunction: Sendable {
    /// A name for logs, errors and test reports.
    static var name: String { get }
    static func value(_ x: Double) -> Double
    /// f'(x); at a kink, the one-sided value PyTorch uses.
    static func derivative(_ x: Double) -> Double
}
