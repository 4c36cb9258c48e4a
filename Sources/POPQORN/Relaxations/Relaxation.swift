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

    /// Orders each side's candidates best first by `score`, so that the engine's defaults are the
    /// best-scored planes.
    mutating func order(on box: Box) {
        lower.sort { Self.score($0, on: box, lower: true) > Self.score($1, on: box, lower: true) }
        upper.sort { Self.score($0, on: box, lower: false) > Self.score($1, on: box, lower: false) }
    }

    /// How good a plane is as a default, for a lower plane (an upper one is scored by symmetry): the mean
    /// of its value at the box centre and its minimum over the box.
    ///
    /// The value at the centre alone is POPQORN's least-volume criterion; it ignores that the slopes
    /// multiply every coefficient a backward pass carries through the plane, and so widen what the
    /// input ball concretizes to. The minimum over the box alone is the interval view, which always
    /// prefers the constant range and throws away the correlations backward passes exploit. Their mean
    /// measured best on every bundled model and fixture: radii 10-30% above the least-volume choice
    /// (RNN, LSTM, GRU, 1-3 layers, text and speech), never below it in our runs.
    static func score(_ plane: Plane, on box: Box, lower: Bool) -> Double {
        let (x, y) = box.centre
        let spread = (abs(plane.a) * (box.xu - box.xl) + abs(plane.b) * (box.yu - box.yl)) / 2
        let centre = plane(x, y)
        return lower ? centre - spread / 2 : -(centre + spread / 2)
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
