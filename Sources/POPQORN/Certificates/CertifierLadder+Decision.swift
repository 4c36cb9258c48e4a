import SequenceModels

/// A policy's two thresholds answered as cheaply as the input allows (issue 11, "cheap decisions first").
public struct ThresholdDecision: Sendable, Equatable {
    /// The largest threshold proven (0 when neither was).
    public let radius: Double
    /// The smallest threshold that could not be proven, if one was tried.
    public let failedAt: Double?
    /// When a quick attack found an input of another class within `refuse_below`: its distance (in the
    /// perturbation's norm). That input is a proof that no certificate can reach `refuse_below`.
    public let counterexampleDistance: Double?
    /// False when the deadline stopped the decision before it was settled.
    public let complete: Bool
    /// True when the climb margin kept a costlier rung from trying `accept` (`decide`'s `climbMargin`): the
    /// answer is final for the policy, but the top rung might have proven more.
    public let stoppedClimbing: Bool
    public let boundComputations: Int
}

extension CertifierLadder {
    /// Proves `accept` with the cheapest rung that can; refuses when a quick attack finds an adversarial
    /// input within `refuse` (with the example's distance); otherwise tries to prove `refuse` (the
    /// undecided middle, "fragile"), unless the failed attempts at `accept` already proved it
    /// (`LadderCheck.provenRadius`). A threshold of 0 needs no proof. Past `deadline` the decision stops,
    /// incomplete.
    ///
    /// Clearly non-robust inputs are settled cheaply: when the cheapest rung fails at `accept`, the attack
    /// searches the `accept` set before any costlier rung runs. An adversarial input there proves that no
    /// rung can certify `accept`, so the costlier rungs are skipped at `accept`, and if the input is also
    /// within `refuse` the prediction is refused at once. Otherwise the search at `refuse` still runs
    /// (when `refuse` is not already proven): the attack returns the first adversarial input it meets, not
    /// the nearest, so one found beyond `refuse` says nothing about the `refuse` set. The attack only ever
    /// refuses or withholds an accept; every radius comes from a rung's certificate.
    ///
    /// `climbMargin` lets a decision stop climbing for `accept` where a costlier rung is not expected to
    /// prove it: a rung whose failed check there leaves a margin bound below `-climbMargin` times the
    /// prediction's own margin (`ThresholdCheck.worstRelativeMargin`) hands `accept` to no further rung.
    /// How far a cheap rung may fall short and a costlier one still succeed depends on the model
    /// (`rnnguard bench --methods` measures it), so a policy calibrates it per model; nil, the default,
    /// always climbs to the top. The climb at `refuse` always goes to the top: the rule may turn an
    /// accept into a flag, never a flag into a refusal, and never grants anything (every radius still
    /// comes from a rung's certificate).
    public func decide(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       accept: Double, refuse: Double, attack: PGDAttack?, climbMargin: Double? = nil,
                       deadline: ContinuousClock.Instant?) throws -> ThresholdDecision {
        var computations = 0
        var stoppedClimbing = false
        func outOfTime() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
        func decision(_ radius: Double, failedAt: Double?, counterexample: Double? = nil, complete: Bool = true) -> ThresholdDecision {
            ThresholdDecision(radius: radius, failedAt: failedAt, counterexampleDistance: counterexample, complete: complete,
                              stoppedClimbing: stoppedClimbing, boundComputations: computations)
        }
        func climb(_ epsilon: Double, from start: Int, climbMargin: Double? = nil) throws -> LadderCheck {
            let climbed = try check(sequence, label: label, perturbation: perturbation, epsilon: epsilon, target: target,
                                    from: start, climbMargin: climbMargin, deadline: deadline)
            computations += climbed.computations
            stoppedClimbing = stoppedClimbing || climbed.stoppedByClimbMargin
            return climbed
        }
        if accept == 0 { return decision(0, failedAt: nil) }
        guard let cheapest = rungs.first else { return decision(0, failedAt: nil, complete: false) }
        let first = try cheapest.check(sequence, label: label, perturbation: perturbation, epsilon: accept, target: target,
                                       deadline: deadline)
        computations += 1
        if !first.complete { return decision(0, failedAt: nil, complete: false) }
        if first.certified { return decision(accept, failedAt: nil) }
        var proven = first.provenRadius
        if outOfTime() { return decision(0, failedAt: accept, complete: false) }
        if let attack, let example = attack.search(sequence, label: label, perturbation: perturbation, epsilon: accept, target: target) {
            if perturbation.contains(example, centre: sequence, epsilon: refuse) {
                return decision(0, failedAt: accept, counterexample: perturbation.distortion(of: example, from: sequence))
            }
        } else if rungs.count > 1, let climbMargin, first.worstRelativeMargin < -climbMargin {
            stoppedClimbing = true
        } else if rungs.count > 1 {
            let accepted = try climb(accept, from: 1, climbMargin: climbMargin)
            if !accepted.check.complete { return decision(0, failedAt: nil, complete: false) }
            if accepted.check.certified { return decision(accept, failedAt: nil) }
            proven = max(proven, accepted.provenRadius)
        }
        if refuse == 0 { return decision(0, failedAt: accept) }
        // The computations that failed at `accept` may already prove `refuse`: no attack, no second climb.
        if proven >= refuse { return decision(refuse, failedAt: accept) }
        if outOfTime() { return decision(0, failedAt: accept, complete: false) }
        if let attack, let example = attack.search(sequence, label: label, perturbation: perturbation, epsilon: refuse, target: target) {
            return decision(0, failedAt: accept, counterexample: perturbation.distortion(of: example, from: sequence))
        }
        if outOfTime() { return decision(0, failedAt: accept, complete: false) }
        let refused = try climb(refuse, from: 0)
        if !refused.check.complete { return decision(0, failedAt: accept, complete: false) }
        return refused.check.certified ? decision(refuse, failedAt: accept) : decision(0, failedAt: refuse)
    }
}

extension PGDAttack {
    /// The attack a sidecar can afford on every uncertain request: 10 steps, one restart, seeded, so a
    /// refusal can be replayed.
    public static func quick(model: SequenceClassifier) -> PGDAttack {
        PGDAttack(model: model, steps: 10, restarts: 1, seed: 0)
    }
}
