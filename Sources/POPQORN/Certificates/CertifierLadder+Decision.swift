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
    public let boundComputations: Int
}

extension CertifierLadder {
    /// Proves `accept` with the cheapest rung that can; failing that, a quick attack looks for an
    /// adversarial input within `refuse` (found: the prediction is refused at once, with the example's
    /// distance); only then does the ladder try to prove `refuse` (the undecided middle, "fragile"), unless
    /// the failed attempts at `accept` already proved it (`LadderCheck.provenRadius`).
    /// A threshold of 0 needs no proof. Past `deadline` the decision stops, incomplete.
    public func decide(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       accept: Double, refuse: Double, attack: PGDAttack?,
                       deadline: ContinuousClock.Instant?) throws -> ThresholdDecision {
        var computations = 0
        func outOfTime() -> Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
        func decision(_ radius: Double, failedAt: Double?, counterexample: Double? = nil, complete: Bool = true) -> ThresholdDecision {
            ThresholdDecision(radius: radius, failedAt: failedAt, counterexampleDistance: counterexample, complete: complete,
                              boundComputations: computations)
        }
        if accept == 0 { return decision(0, failedAt: nil) }
        let accepted = try check(sequence, label: label, perturbation: perturbation, epsilon: accept, target: target,
                                 deadline: deadline)
        computations += accepted.rung + 1
        if !accepted.check.complete { return decision(0, failedAt: nil, complete: false) }
        if accepted.check.certified { return decision(accept, failedAt: nil) }
        if refuse == 0 { return decision(0, failedAt: accept) }
        // The computations that failed at `accept` may already prove `refuse`: no attack, no second climb.
        if accepted.provenRadius >= refuse { return decision(refuse, failedAt: accept) }
        if outOfTime() { return decision(0, failedAt: accept, complete: false) }
        if let attack, let example = attack.search(sequence, label: label, perturbation: perturbation, epsilon: refuse, target: target) {
            return decision(0, failedAt: accept, counterexample: perturbation.distortion(of: example, from: sequence))
        }
        if outOfTime() { return decision(0, failedAt: accept, complete: false) }
        let refused = try check(sequence, label: label, perturbation: perturbation, epsilon: refuse, target: target,
                                deadline: deadline)
        computations += refused.rung + 1
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
