import Foundation
import SequenceModels

/// The sigmoid is S-shaped (`SShapedFunction` relaxes it) and the gate factor of every product.
extension Sigmoid: SShapedFunction, ProductFactor {
    public static var isLinear: Bool { false }

    /// sigma(x) = (1 + tanh(x / 2)) / 2: twice tanh's span.
    static let tangentPoints = TangentPoints(of: Sigmoid.self, span: 32)

    /// sigma' = s (1 - s) and sigma'' = s (1 - s) (1 - 2 s) with s = sigma(x).
    static func valueAndDerivatives(_ x: Double) -> (value: Double, first: Double, second: Double) {
        let s = value(x)
        let first = s * (1 - s)
        return (s, first, first * (1 - 2 * s))
    }

    /// s (1 - s) = q for 0 < q <= 1/4 at s = (1 +- sqrt(1 - 4q)) / 2, x = log(s / (1 - s)).
    public static func points(withDerivative q: Double) -> [Double] {
        guard q > 0 && q <= 0.25 else { return [] }
        let root = max(0, 1 - 4 * q).squareRoot()
        let s = (1 + root) / 2
        guard s < 1 else { return [] }
        let x = log(s / (1 - s))
        return x == 0 ? [0] : [x, -x]
    }
}
