extension Certifier {
    /// The largest certified eps, to relative `tolerance`: a bracket is found by steps of x4 from
    /// `initial`, then bisected until (failedAt - radius) / failedAt <= tolerance. Certificates are
    /// monotone in eps (a larger ball contains the smaller one and every interval widens), so the bracket
    /// is meaningful. At `deadline` the search stops with the best radius certified so far.
    public func radius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       tolerance: Double = 1e-3, initial: Double = 0.01, upperLimit: Double = 1e6,
                       deadline: ContinuousClock.Instant? = nil) throws -> RadiusSearch {
        let problem = try problem(sequence, label: label, perturbation: perturbation, target: target)
        var certified = 0.0
        var failed: Double?
        var computations = 0, passes = 0, flops = 0
        func attempt(_ eps: Double) -> Bool {
            let result = check(problem, epsilon: eps)
            computations += 1
            passes += result.backwardPasses
            flops += result.flops
            if result.certified { certified = max(certified, eps) } else { failed = min(failed ?? eps, eps) }
            return result.certified
        }
        func outOfTime() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
        func result(complete: Bool) -> RadiusSearch {
            RadiusSearch(radius: certified, failedAt: failed, boundComputations: computations,
                         backwardPasses: passes, flops: flops, complete: complete)
        }

        // Bracket: grow while certified, shrink while not (a radius below 1e-12 counts as 0).
        var eps = initial
        if attempt(eps) {
            while failed == nil && eps < upperLimit {
                if outOfTime() { return result(complete: false) }
                eps = min(eps * 4, upperLimit)
                _ = attempt(eps)
            }
            if failed == nil { return result(complete: true) }
        } else {
            while certified == 0 && eps > 1e-12 {
                if outOfTime() { return result(complete: false) }
                eps /= 4
                _ = attempt(eps)
            }
            if certified == 0 { return result(complete: true) }
        }
        while let high = failed, (high - certified) / high > tolerance {
            if outOfTime() { return result(complete: false) }
            _ = attempt((certified + high) / 2)
        }
        return result(complete: true)
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
