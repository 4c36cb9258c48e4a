import SequenceModels
@testable import POPQORN

/// An input and a threshold that only a costlier rung of `ladder` proves: between the cheapest rung's
/// radius and a costlier rung's, failed by the cheapest rung and proven by the ladder at rung 1 or above.
struct HigherRungThreshold {
    let sequence: [[Double]]
    let label: Int
    /// The cheapest rung's certified radius.
    let cheapestRadius: Double
    let threshold: Double
    /// The cheapest rung's failed check at `threshold`.
    let cheapestCheck: ThresholdCheck
    /// The ladder's check at `threshold`, answered by a costlier rung.
    let ladderCheck: LadderCheck

    /// The first such threshold among the first five `inputs`, or nil.
    static func find(model: SequenceClassifier, ladder: CertifierLadder, inputs: [[[Double]]],
                     perturbation: Perturbation) throws -> HigherRungThreshold? {
        for sequence in inputs.prefix(5) {
            let label = try model.predict(sequence).label
            let radii = try ladder.rungs.map { try $0.radius(sequence, label: label, perturbation: perturbation).radius }
            guard let tighter = radii.dropFirst().first(where: { $0 > radii[0] * 1.1 }) else { continue }
            let threshold = (radii[0] + tighter) / 2
            let cheapest = try ladder.rungs[0].check(sequence, label: label, perturbation: perturbation, epsilon: threshold)
            let check = try ladder.check(sequence, label: label, perturbation: perturbation, epsilon: threshold, deadline: nil)
            guard !cheapest.certified, check.check.certified, check.rung >= 1 else { continue }
            return HigherRungThreshold(sequence: sequence, label: label, cheapestRadius: radii[0], threshold: threshold,
                                       cheapestCheck: cheapest, ladderCheck: check)
        }
        return nil
    }
}
