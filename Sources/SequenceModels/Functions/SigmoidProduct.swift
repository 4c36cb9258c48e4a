/// sigma(x) * g(y) for a factor g: `SigmoidProduct<Tanh>` is the LSTM's i * g and o * tanh(c);
/// `SigmoidProduct<Identity>` is the LSTM's f * c and the GRU's r * (W_hn h + b_hn) and z * (h - n).
public enum SigmoidProduct<Factor: ElementwiseFunction>: PairwiseFunction {
    public static var name: String { "sigmoid*" + Factor.name }

    @inlinable
    public static func value(_ x: Double, _ y: Double) -> Double { Sigmoid.value(x) * Factor.value(y) }

    @inlinable
    public static func partialDerivatives(_ x: Double, _ y: Double) -> (dx: Double, dy: Double) {
        (Sigmoid.derivative(x) * Factor.value(y), Sigmoid.value(x) * Factor.derivative(y))
    }
}

/// The LSTM's sigma(x) * tanh(y).
public typealias SigmoidTanhProduct = SigmoidProduct<Tanh>
/// sigma(x) * y.
public typealias SigmoidLinearProduct = SigmoidProduct<Identity>
