import Foundation
import SequenceModels

/// The sigmoid is S-shaped (`SShapedFunction` relaxes it) and the gate factor of every product.
extension Sigmoid: SShapedFunction, ProductFactor {
    public static var isLinear: Bool { false }

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
