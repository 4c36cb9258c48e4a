/// Every sound relaxation of one neuron the engine may use, as planes in the operator's inputs (for a
/// one-input operator, b = 0: slope a, intercept c). The first lower and the first upper plane are the
/// defaults the intermediate bounds use.
///
/// A convex combination of sound lower planes is again a sound lower plane (w_i >= 0, sum w_i = 1 and
/// P_i <= f give sum w_i P_i <= f), likewise for upper planes: `MarginOptimizer` searches over exactly
/// those combinations, so whatever it finds is sound.
public struct Relaxation: Sendable, Equatable {
    public var lower: [Plane]
    public var upper: [Plane]

    public init(lower: [Plane], upper: [Plane]) {
        precondition(!lower.isEmpty && !upper.isEmpty, "a relaxation needs a lower and an upper plane")
        self.lower = lower
        self.upper = upper
    }

    /// Runs `body` on one side's candidates without copying them.
    @inline(__always)
    func withCandidates<T>(lower: Bool, _ body: (UnsafeBufferPointer<Plane>) -> T) -> T {
        lower ? self.lower.withUnsafeBufferPointer(body) : self.upper.withUnsafeBufferPointer(body)
    }

    /// One line pair as a relaxation, with the constant range as a second choice on each side.
    init(_ lines: LineBounds, range: (Double, Double)) {
        self.init(lower: [Plane(a: lines.lowerSlope, b: 0, c: lines.lowerIntercept), Plane(a: 0, b: 0, c: range.0)],
                  upper: [Plane(a: lines.upperSlope, b: 0, c: lines.upperIntercept), Plane(a: 0, b: 0, c: range.1)])
    }
}
