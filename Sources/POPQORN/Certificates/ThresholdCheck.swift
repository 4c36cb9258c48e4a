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
    /// For each class of `marginLowerBounds`, the margin y_label - y_j at the unperturbed input.
    public var centreMargins: [Int: Double] = [:]

    /// How far the check fell short, in units of the prediction's own margins: the smallest ratio of a
    /// margin's lower bound to its value at the unperturbed input (1 at eps = 0; below 0 when not
    /// certified). -infinity when a centre margin is not positive or the check is incomplete.
    public var worstRelativeMargin: Double {
        guard complete, !marginLowerBounds.isEmpty else { return -.infinity }
        return marginLowerBounds.reduce(Double.infinity) { worst, entry in
            guard let centre = centreMargins[entry.key], centre > 0 else { return -.infinity }
            return min(worst, entry.value / centre)
        }
    }
}
