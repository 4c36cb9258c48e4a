/// The largest certified radius found by a search on eps: the true minimum adversarial distortion is at
/// least `radius`. `failedAt`, when present, is the smallest eps tried that could not be certified.
public struct RadiusSearch: Sendable, Equatable {
    public let radius: Double
    public let failedAt: Double?
    /// Radii tried, each one full bound computation.
    public let boundComputations: Int
    public let backwardPasses: Int
    public let flops: Int
    /// False when the deadline cut the search short: `radius` is still certified, only perhaps not the largest.
    public let complete: Bool
}
