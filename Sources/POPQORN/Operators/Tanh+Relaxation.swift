import Foundation
import SequenceModels

/// tanh is S-shaped (`SShapedFunction` relaxes it) and a factor of the LSTM's products.
extension Tanh: SShapedFunction, ProductFactor {
    public static var isLinear: Bool { false }

    /// tanh(-16) is -1 to 13 digits; a left end below that is solved for directly.
    static let tangentPoints = TangentPoints(of: Tanh.self, span: 16)

    /// tanh' = 1 - t^2 and tanh'' = -2 t (1 - t^2) with t = tanh(x).
    static func valueAndDerivatives(_ x: Double) -> (value: Double, first: Double, second: Double) {
        let t = value(x)
        let first = 1 - t * t
        return (t, first, -2 * t * first)
    }

    /// 1 - tanh(x)^2 = q for 0 < q <= 1 at x = +-atanh(sqrt(1 - q)).
    public static func points(withDerivative q: Double) -> [Double] {
        guard q > 0 && q <= 1 else { return [] }
        let t = (1 - q).squareRoot()
        guard t < 1 else { return [] }
        let x = atanh(t)
        return x == 0 ? [0] : [x, -x]
    }
}
