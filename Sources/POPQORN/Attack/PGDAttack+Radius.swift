/// The radius search: the smallest eps at which the attack succeeds.
extension PGDAttack {
    /// The smallest eps (to `tolerance`, relative) at which `search` succeeds, or nil if it fails up to
    /// `upperLimit`: an UPPER bound on the minimum adversarial distortion, never a certificate.
    public func radius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       upperLimit: Double = 10, tolerance: Double = 1e-3) -> Double? {
        smallestAdversarial(sequence, label: label, perturbation: perturbation, target: target,
                            upperLimit: upperLimit, tolerance: tolerance)?.epsilon
    }

    /// `radius` together with the counterexample found at that eps.
    ///
    /// The search starts at the linearised distance to the nearest rival's decision boundary, doubles until the
    /// attack succeeds or halves until it fails, then bisects between the last failure and the smallest success.
    /// The attack is not monotone in eps, so this is the smallest success on that path, not of all eps.
    public func smallestAdversarial(_ sequence: [[Double]], label: Int, perturbation: Perturbation,
                                    target: Int? = nil, upperLimit: Double = 10,
                                    tolerance: Double = 1e-3) -> AttackResult? {
        precondition(upperLimit > 0 && upperLimit.isFinite && tolerance > 0,
                     "need a finite upperLimit > 0 and tolerance > 0")
        func attempt(_ eps: Double) -> AttackResult? {
            search(sequence, label: label, perturbation: perturbation, epsilon: eps, target: target)
                .map { AttackResult(epsilon: eps, counterexample: $0) }
        }
        if let already = attempt(0) { return already }

        var lower = 0.0
        var best: AttackResult
        let goal = AttackGoal(label: label, target: target, classes: model.numClasses)
        let estimate = nearestRivals(sequence, goal: goal, perturbation: perturbation)[0].distance
        var eps = min(max(estimate, upperLimit * 1e-6), upperLimit)
        if let found = attempt(eps) {
            best = found
            // Halve until failure; a success at 2^-60 of the estimate is as good as a zero radius.
            var halvings = 0
            while let smaller = attempt(best.epsilon / 2) {
                best = smaller
                halvings += 1
                if halvings == 60 { return best }
            }
            lower = best.epsilon / 2
        } else {
            while true {
                lower = eps
                guard eps < upperLimit else { return nil }
                eps = min(2 * eps, upperLimit)
                if let found = attempt(eps) { best = found; break }
            }
        }
        while best.epsilon - lower > tolerance * best.epsilon {
            let middle = (lower + best.epsilon) / 2
            if let found = attempt(middle) { best = found } else { lower = middle }
        }
        return best
    }
}
