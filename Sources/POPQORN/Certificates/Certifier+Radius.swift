extension Certifier {
    /// The largest certified eps, to relative `tolerance`: the search stops once it holds a certified
    /// `radius` and a `failedAt` with (failedAt - radius) / failedAt <= tolerance.
    ///
    /// It is a root search on g(eps) = the worst margin lower bound minus `marginFloor`, which is positive
    /// exactly when eps certifies. g(0) is the exact margin of the prediction; secant steps through
    /// (0, g(0)) and the last point find the bracket, and Illinois-style regula falsi (the stale end's value
    /// halved when one end moves twice), each trial nudged a little past the estimated root, closes it:
    /// usually in 5 to 8 bound computations where bisection needs 13 or more. g is nearly monotone, but
    /// soundness never relies on it: the radius returned is always one that a check certified, and a
    /// certificate at eps covers every smaller ball. At `deadline` the search stops with the best
    /// radius certified so far.
    ///
    /// A trial that fails still proves a smaller radius (`ThresholdCheck.provenRadius`): the search keeps
    /// the largest such radius as a certified floor, never tries below it, and stops once it is within
    /// `tolerance` of the failed end.
    ///
    /// `floor`, a search another (cheaper) certifier finished on the same input, seeds this one: its
    /// radius is where the bracket starts when this certifier proves it too (it is certified either way,
    /// so the result is never below it), and its failed radius is the first one tried.
    public func radius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       tolerance: Double = 1e-3, initial: Double = defaultFirstTrial, upperLimit: Double = 1e6,
                       deadline: ContinuousClock.Instant? = nil, from floor: RadiusSearch? = nil) throws -> RadiusSearch {
        let problem = try problem(sequence, label: label, perturbation: perturbation, target: target)
        var computations = 0, passes = 0, flops = 0
        // The certified end (eps, g > 0) and the failed end (eps, g <= 0) of the bracket.
        var low = (eps: 0.0, g: exactMargin(problem) - Self.marginFloor)
        var high: (eps: Double, g: Double)?
        let floorRadius = floor?.radius ?? 0
        // The largest radius a failed trial proved with its own relaxations.
        var provenByFailures = 0.0
        func result(complete: Bool) -> RadiusSearch {
            let radius = max(low.eps, floorRadius, provenByFailures)
            return RadiusSearch(radius: radius, failedAt: high?.eps ?? floor?.failedAt,
                                boundComputations: computations, backwardPasses: passes, flops: flops, complete: complete)
        }
        guard low.g > 0 else { return RadiusSearch(radius: 0, failedAt: 0, boundComputations: 0, backwardPasses: 0, flops: 0, complete: true) }
        // g(eps), or nil when the deadline stopped the computation.
        func evaluate(_ eps: Double) -> Double? {
            let check = check(problem, epsilon: eps, deadline: deadline)
            computations += 1
            passes += check.backwardPasses
            flops += check.flops
            guard check.complete else { return nil }
            if !check.certified { provenByFailures = max(provenByFailures, check.provenRadius) }
            return (check.marginLowerBounds.values.min() ?? 0) - Self.marginFloor
        }
        func outOfTime() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }

        var trial = initial
        if floorRadius > 0 {
            guard !outOfTime(), let g = evaluate(floorRadius) else { return result(complete: false) }
            // This certifier cannot prove what the cheaper one did: the cheaper radius stands.
            guard g > 0 else { return result(complete: true) }
            low = (floorRadius, g)
            trial = min(upperLimit, max(floor?.failedAt ?? 0, floorRadius * 1.05))
        }
        // Bracket: the first trial at `initial`, later ones where the secant through the last two points
        // meets zero, pushed 5% beyond it and kept within x1.2 to x4 of the last certified eps.
        while high == nil {
            guard !outOfTime(), let g = evaluate(trial) else { return result(complete: false) }
            if g > 0 {
                let previous = low
                low = (trial, g)
                guard trial < upperLimit else { return result(complete: true) }
                let slope = (previous.g - g) / (trial - previous.eps)
                let root = slope > 0 ? trial + g / slope : trial * 4
                trial = min(upperLimit, min(trial * 4, max(trial * 1.2, root * 1.05)))
            } else {
                high = (trial, g)
            }
        }
        // Refine by regula falsi with the Illinois correction.
        var lastMoved = 0   // +1: the certified end moved last, -1: the failed end
        var weights = (low: 1.0, high: 1.0)
        // Below `smallestRadius` a certificate says nothing useful: a prediction this fragile gets 0.
        while let failed = high, (failed.eps - max(low.eps, provenByFailures)) / failed.eps > tolerance,
              failed.eps > Self.smallestRadius {
            if outOfTime() { return result(complete: false) }
            let gLow = low.g * weights.low, gHigh = failed.g * weights.high
            var trial = low.eps + gLow * (failed.eps - low.eps) / (gLow - gHigh)
            // Aim a little past the estimate, towards the end that has not moved, so that an accurate
            // estimate closes the bracket in one more computation.
            trial *= 1 + Double(lastMoved) * tolerance / 2
            let width = failed.eps - low.eps
            trial = min(max(trial, low.eps + 0.01 * width, provenByFailures * (1 + tolerance / 2)), failed.eps - 0.01 * width)
            guard let g = evaluate(trial) else { return result(complete: false) }
            if g > 0 {
                low = (trial, g)
                weights = (1, lastMoved == 1 ? weights.high / 2 : 1)
                lastMoved = 1
            } else {
                high = (trial, g)
                weights = (lastMoved == -1 ? weights.low / 2 : 1, 1)
                lastMoved = -1
            }
        }
        return result(complete: true)
    }

    /// The exact worst margin y_label - y_j at the unperturbed input.
    private func exactMargin(_ problem: Problem) -> Double {
        let logits = problem.centre[problem.unrolled.logits]
        return problem.rivals.map { logits[problem.label] - logits[$0] }.min() ?? 0
    }

    /// POPQORN's per-frame sensitivity: the certified radius when only frame t moves, for every t. Small
    /// radii mark the frames (words, strokes, speech frames) the prediction is most sensitive to.
    public func sensitivity(_ sequence: [[Double]], label: Int, norm: Norm, target: Int? = nil,
                            tolerance: Double = 1e-3) throws -> [RadiusSearch] {
        try sequence.indices.map { t in
            try radius(sequence, label: label, perturbation: Perturbation(norm: norm, frames: .step(t)),
                       target: target, tolerance: tolerance)
        }
    }
}
