import SequenceModels

/// The logistic sigmoid, the gate nonlinearity of LSTM and GRU.
public enum Sigmoid: SShapedFunction {
    public static let name = "sigmoid"
    public static func value(_ x: Double) -> Double { Activation.sigmoid(x) }
    public static func derivative(_ x: Double) -> Double {
        let s = Activation.sigmoid(x)
        return s * (1 - s)
    }
}
