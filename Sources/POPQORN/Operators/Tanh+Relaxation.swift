import Foundation
import SequenceModels

/// tanh is S-shaped (`SShapedFunction` relaxes it) and a factor of the LSTM's products.
extension Tanh: SShapedFunction, ProductFactor {
    public static var isLinear: Bool { false }

    /// 1 - tanh(x)^2 = q for 0 < q <= 1 at x = +-atanh(sqrt(1 - q)).
    public static func points(withDerivative q: Double) -> [Double] {
        guard q > 0 && q <= 1 else { return [] }
        let t = (1 - q).squareRoot()
        guard t < 1 else { return [] }
        let x = atanh(t)
        return x == 0 ? [0] : [x, -x]
    }
}
