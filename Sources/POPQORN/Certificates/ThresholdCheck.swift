/// The answer to "is the prediction certified at radius eps?": one bound computation.
public struct ThresholdCheck: Sendable, Equatable {
    public let epsilon: Double
    public let certified: Bool
    /// For each other class j (or only the target), a lower bound of y_label - y_j over the perturbation set.
    public let marginLowerBounds: [Int: Double]
    /// Backward passes the bound computation ran (intermediate bounds plus the final margin pass).
    public let backwardPasses: Int
    /// Floating-point operations of the passes' matrix products.
    public let flops: Int
    /// False when the deadline stopped the bound computation: nothing is certified then, and the margin
    /// bounds are empty.
    public let complete: Bool
    /// The largest radius this computation proves: `epsilon` when certified; otherwise the radius at
    /// which its own relaxations, built for the eps-ball and so sound on every smaller one, still prove
    /// each margin (0 when none). See `Certifier.provenRadius`.
    public var provenRadius: Double = 0
}
