/// (1 - sigma(x)) * y = sigma(-x) * y: the GRU's (1 - z) * n written as one product.
public enum ComplementSigmoidProduct: PairwiseFunction {
    public static let name = "(1-sigmoid)*identity"

    @inlinable
    public static func value(_ x: Double, _ y: Double) -> Double { SigmoidLinearProduct.value(-x, y) }

    @inlinable
    public static func partialDerivatives(_ x: Double, _ y: Double) -> (dx: Double, dy: Double) {
        let (dx, dy) = SigmoidLinearProduct.partialDerivatives(-x, y)
        return (-dx, dy)
    }
}
