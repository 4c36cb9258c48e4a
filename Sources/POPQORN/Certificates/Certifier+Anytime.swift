import SequenceModels

/// Anytime certification: a ladder of certifiers from the cheapest to the tightest, climbed until the
/// question is answered or the time is up, keeping the best answer proven so far.
///
/// Every rung is sound alone (`BoundMethod`, the margin optimizer), so whatever rung answers, the answer
/// is a certificate; a rung cut short by the deadline certifies nothing and the best earlier answer
/// stands.
public struct CertifierLadder: Sendable {
    public let rungs: [Certifier]

    public init(rungs: [Certifier]) {
        self.rungs = rungs
    }

    /// The ladder of `rungs` for `model`.
    public init(model: SequenceClassifier, rungs: [CertifierRung]) {
        self.init(rungs: rungs.map { $0.certifier(for: model) })
    }

    /// `CertifierRung.standardLadder` for `model`: what runs where a policy or command names no ladder.
    public static func standard(for model: SequenceClassifier) -> CertifierLadder {
        CertifierLadder(model: model, rungs: CertifierRung.standardLadder)
    }

    /// The largest radius proven by `deadline`: a radius search on each rung in turn, each seeded with
    /// what the rung below proved (`Certifier.radius(from:)`). The first rung tries the linearised radius
    /// first (`Certifier.linearizedRadius`): under a short deadline the first check may be the only one,
    /// and one that fails a little above the certified radius still proves most of it. `complete` is
    /// true when the top rung's search finished.
    public func radius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       tolerance: Double = 1e-3, deadline: ContinuousClock.Instant?) throws -> RadiusSearch {
        var best: RadiusSearch?
        var computations = 0, passes = 0, flops = 0, climbed = 0
        let firstGuess = try rungs.first?.linearizedRadius(sequence, label: label, perturbation: perturbation, target: target)
        for rung in rungs {
            if let deadline, ContinuousClock.now >= deadline, best != nil { break }
            let search = try rung.radius(sequence, label: label, perturbation: perturbation, target: target,
                                         tolerance: tolerance, initial: best == nil ? firstGuess ?? Certifier.defaultFirstTrial : Certifier.defaultFirstTrial,
                                         deadline: deadline, from: best)
            computations += search.boundComputations
            passes += search.backwardPasses
            flops += search.flops
            best = search
            climbed += 1
            if !search.complete { break }
        }
        let last = best ?? RadiusSearch(radius: 0, failedAt: nil, boundComputations: 0, backwardPasses: 0, flops: 0, complete: false)
        return RadiusSearch(radius: last.radius, failedAt: last.failedAt, boundComputations: computations,
                            backwardPasses: passes, flops: flops, complete: last.complete && climbed == rungs.count)
    }

    /// Is the prediction certified at `epsilon`? The cheapest rung from `start` on that proves it answers;
    /// a rung that cannot hands over to the next until one proves it, the ladder ends, or `deadline`
    /// passes first (then the check is not certified: incomplete when the deadline cut a rung short, else
    /// the last rung tried answers with its failed check). `start` lets a caller that has already seen
    /// the rungs below it fail at `epsilon` skip them.
    ///
    /// A rung that the next one repeats before optimizing (`repeatedByNext`: the standard ladder's "full"
    /// below "full+optimizer") is not run: the next rung computes the same bound first and certifies
    /// whenever it would, so running both would compute the bound twice where it fails.
    ///
    /// `climbMargin` (nil climbs to the top) ends the climb early: a rung whose failed check's
    /// `worstRelativeMargin` is below `-climbMargin` hands over to no further rung (see `decide`).
    public func check(_ sequence: [[Double]], label: Int, perturbation: Perturbation, epsilon: Double, target: Int? = nil,
                      from start: Int = 0, climbMargin: Double? = nil, deadline: ContinuousClock.Instant?) throws -> LadderCheck {
        precondition(start >= 0, "rung \(start) is not a rung")
        var passes = 0, flops = 0, proven = 0.0, computations = 0
        var last: (check: ThresholdCheck, rung: Int)?
        var stopped = false
        for index in rungs.indices.dropFirst(start) where !repeatedByNext(index) {
            let check = try rungs[index].check(sequence, label: label, perturbation: perturbation, epsilon: epsilon,
                                               target: target, deadline: deadline)
            computations += 1
            passes += check.backwardPasses
            flops += check.flops
            proven = max(proven, check.provenRadius)
            last = (check, index)
            if check.certified || !check.complete { break }
            if index < rungs.count - 1, let climbMargin, check.worstRelativeMargin < -climbMargin {
                stopped = true
                break
            }
            if let deadline, ContinuousClock.now >= deadline { break }
        }
        let (check, rung) = last ?? (ThresholdCheck(epsilon: epsilon, certified: false, marginLowerBounds: [:], backwardPasses: 0,
                                                    flops: 0, complete: false), start - 1)
        return LadderCheck(check: check, rung: rung, computations: computations, backwardPasses: passes, flops: flops,
                           provenRadius: proven, stoppedByClimbMargin: stopped)
    }

    /// Whether rung `index + 1` is rung `index` with the margin optimizer added: its threshold check
    /// starts with exactly rung `index`'s computation (`Certifier.check` optimizes only the margins that
    /// computation leaves open), so a threshold check need not run rung `index` on its own. (A decision
    /// still runs rung 0 alone first, as the cheap check the attack waits for: a ladder that starts with
    /// such a pair, "full, full+optimizer", computes the full bound twice where it fails.)
    func repeatedByNext(_ index: Int) -> Bool {
        guard index + 1 < rungs.count else { return false }
        let (this, next) = (rungs[index], rungs[index + 1])
        return this.marginIterations == 0 && next.marginIterations > 0 && this.method == next.method
            && this.fittedPlanes == next.fittedPlanes && this.intermediateIterations == next.intermediateIterations
    }
}

/// A threshold check answered by a `CertifierLadder`: the deciding rung's check and the work of every
/// rung tried.
public struct LadderCheck: Sendable {
    public let check: ThresholdCheck
    /// The index of the rung that answered: the last one tried.
    public let rung: Int
    /// The rungs run, one bound computation each (rungs repeated by the next are not run).
    public let computations: Int
    public let backwardPasses: Int
    public let flops: Int
    /// The largest radius any rung's computation proved (`ThresholdCheck.provenRadius`): the threshold
    /// when it was certified, often a useful smaller radius when not.
    public let provenRadius: Double
    /// True when `climbMargin` kept costlier rungs from running.
    public let stoppedByClimbMargin: Bool
}
