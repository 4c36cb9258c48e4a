import GuardService

/// What a single threshold t on the certified radius does to a labelled set: the predictions at or
/// above t (accepted, if t were `accept_at_or_above`) and below it (refused, if t were `refuse_below`).
public struct ThresholdPoint: Sendable, Equatable {
    public let threshold: Double
    /// Predictions with radius >= threshold, and how many of them are correct.
    public let atOrAbove: Int
    public let correctAtOrAbove: Int
    /// Predictions with radius < threshold, and how many of them are wrong.
    public let below: Int
    public let wrongBelow: Int

    /// The accuracy of the predictions at or above the threshold; nil when there are none.
    public var accuracyAtOrAbove: Double? { atOrAbove == 0 ? nil : Double(correctAtOrAbove) / Double(atOrAbove) }
    /// The accuracy of the predictions below the threshold; nil when there are none.
    public var accuracyBelow: Double? { below == 0 ? nil : Double(below - wrongBelow) / Double(below) }
}

/// The threshold curve of a labelled set (a selective-prediction or risk-coverage curve): one point at 0
/// and one at every distinct certified radius, ascending. Any other threshold selects the same
/// predictions as the next point up, so these are all the different outcomes a threshold can have.
public struct ThresholdCurve: Sendable, Equatable {
    public let points: [ThresholdPoint]
    public let total: Int
    public let wrong: Int

    public init(results: [ExampleResult]) {
        let sorted = results.sorted { $0.radius < $1.radius }
        total = sorted.count
        wrong = sorted.count { !$0.correct }
        var points: [ThresholdPoint] = []
        var below = 0, wrongBelow = 0
        var index = 0
        var threshold = 0.0
        while true {
            // Everything strictly below `threshold` has been counted.
            while index < sorted.count, sorted[index].radius < threshold {
                below += 1
                if !sorted[index].correct { wrongBelow += 1 }
                index += 1
            }
            points.append(ThresholdPoint(threshold: threshold, atOrAbove: total - below,
                                         correctAtOrAbove: (total - wrong) - (below - wrongBelow),
                                         below: below, wrongBelow: wrongBelow))
            guard let next = sorted[index...].first(where: { $0.radius > threshold }) else { break }
            threshold = next.radius
        }
        self.points = points
    }

    /// The largest-coverage threshold whose accepted predictions reach `targetAccuracy`: the first point
    /// (coverage only falls as the threshold rises) with accuracy at or above the target; nil when none does.
    public func acceptThreshold(targetAccuracy: Double) -> ThresholdPoint? {
        points.first { ($0.accuracyAtOrAbove ?? 0) >= targetAccuracy }
    }

    /// The threshold that refuses the most predictions while the refused ones stay mostly wrong: the
    /// highest point at or below `ceiling` whose predictions below it are correct less than
    /// `refusedAccuracy` of the time; the point at 0 (refuse nothing) when no higher one qualifies.
    public func refuseThreshold(atMost ceiling: Double, refusedAccuracy: Double) -> ThresholdPoint {
        points.last { $0.threshold <= ceiling && ($0.accuracyBelow.map { $0 < refusedAccuracy } ?? false) } ?? points[0]
    }

    /// The point at the largest threshold not above `threshold` (the one selecting the same predictions
    /// as `threshold`, which is at most the next point's).
    public func point(at threshold: Double) -> ThresholdPoint {
        points.last { $0.threshold <= threshold } ?? points[0]
    }

    /// A short decimal that selects exactly what `point` selects: a threshold in (previous radius,
    /// point.threshold], with as few significant digits as that interval allows.
    public func shortThreshold(for point: ThresholdPoint) -> Double {
        guard let position = points.firstIndex(of: point), position > 0 else { return 0 }
        return shortestDecimal(above: points[position - 1].threshold, atMost: point.threshold)
    }
}

/// The decimal with the fewest significant digits in (low, high], high > low >= 0.
func shortestDecimal(above low: Double, atMost high: Double) -> Double {
    let magnitude = Int((high.magnitude).log10Floor)
    for digits in 1...17 {
        let scale = pow10(digits - 1 - magnitude)
        let candidate = (high * scale).rounded(.down) / scale
        if candidate > low && candidate <= high { return candidate }
    }
    return high
}

private func pow10(_ exponent: Int) -> Double {
    var value = 1.0
    for _ in 0..<abs(exponent) { value *= 10 }
    return exponent < 0 ? 1 / value : value
}

private extension Double {
    /// floor(log10(self)) for a positive finite value, by counting, so it is exact at powers of ten.
    var log10Floor: Int {
        var exponent = 0
        var value = self
        while value >= 10 { value /= 10; exponent += 1 }
        while value < 1 { value *= 10; exponent -= 1 }
        return exponent
    }
}

/// How a two-threshold policy splits a labelled set, each prediction decided by the sidecar's own rule
/// (`Decision.make`, with the certified radius as a complete certificate).
public struct PolicyOutcome: Sendable {
    public let policy: DecisionPolicy
    public let total: Int
    public let accepted: Int
    public let flagged: Int
    public let refused: Int
    public let correctAccepted: Int
    public let correctFlagged: Int
    /// Wrong predictions that the policy refuses, and all wrong predictions.
    public let wrongRefused: Int
    public let wrong: Int

    public init(results: [ExampleResult], policy: DecisionPolicy) {
        self.policy = policy
        var counts = [Decision.Action: (all: Int, correct: Int)]()
        for result in results {
            let action = Decision.make(radius: result.radius, complete: true, policy: policy).action
            counts[action, default: (0, 0)].all += 1
            if result.correct { counts[action, default: (0, 0)].correct += 1 }
        }
        total = results.count
        accepted = counts[.accept]?.all ?? 0
        flagged = counts[.flag]?.all ?? 0
        refused = counts[.refuse]?.all ?? 0
        correctAccepted = counts[.accept]?.correct ?? 0
        correctFlagged = counts[.flag]?.correct ?? 0
        wrongRefused = refused - (counts[.refuse]?.correct ?? 0)
        wrong = results.count { !$0.correct }
    }

    /// The accuracy of accepted predictions (nil: none accepted).
    public var acceptedAccuracy: Double? { accepted == 0 ? nil : Double(correctAccepted) / Double(accepted) }
    /// The accuracy of everything served, accepted and flagged (nil: nothing served).
    public var servedAccuracy: Double? {
        accepted + flagged == 0 ? nil : Double(correctAccepted + correctFlagged) / Double(accepted + flagged)
    }
}

/// `--suggest`: the thresholds a labelled set supports for a target accuracy.
///
/// "Accepted" means accepted without a flag (radius >= `accept_at_or_above`); flagged predictions are
/// served marked fragile and do not count towards the target. `accept_at_or_above` is the threshold with
/// the largest accepted share whose accepted accuracy reaches the target. `refuse_below` is the highest
/// threshold not above it whose refused predictions are correct less than `refusedAccuracy` of the time
/// (by default: refuse only where a prediction is more often wrong than right), or 0. Both are written
/// as short decimals that select exactly the same predictions on this set.
public struct PolicySuggestion: Sendable {
    public let outcome: PolicyOutcome
    public let targetAccuracy: Double
    public let refusedAccuracy: Double

    /// Nil when no threshold reaches `targetAccuracy` on this set.
    public init?(curve: ThresholdCurve, results: [ExampleResult], targetAccuracy: Double, refusedAccuracy: Double = 0.5,
                 onDeadline: DeadlineAction = .flag) {
        guard let accept = curve.acceptThreshold(targetAccuracy: targetAccuracy) else { return nil }
        let refuse = curve.refuseThreshold(atMost: accept.threshold, refusedAccuracy: refusedAccuracy)
        let policy = DecisionPolicy(acceptAtOrAbove: curve.shortThreshold(for: accept),
                                    refuseBelow: curve.shortThreshold(for: refuse), onDeadline: onDeadline)
        outcome = PolicyOutcome(results: results, policy: policy)
        self.targetAccuracy = targetAccuracy
        self.refusedAccuracy = refusedAccuracy
    }
}
