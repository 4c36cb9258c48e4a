import Foundation
import SequenceModels
import Testing
@testable import POPQORN

/// `CertifierLadder.decide` runs the quick attack at `accept` as soon as the cheapest rung fails there: an
/// adversarial input within `accept` settles that no rung can certify it, so the costly rungs are skipped.
/// On the bundled models, whose inputs are real digits.
@Suite("Threshold decisions attack before the costly rungs")
struct AttackFirstDecisionTests {
    let perturbation = Perturbation(norm: .linf)

    private func bundled(_ name: String) throws -> (model: SequenceClassifier, inputs: [[[Double]]]) {
        let folder = repositoryRoot.appendingPathComponent("examples/models/\(name)")
        let inputs = try JSONDecoder().decode([FixtureInput].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        return (try SequenceClassifier(contentsOf: folder), inputs.map(\.sequence))
    }

    /// An adversarial input within `accept` but beyond `refuse` (which is certified, so none lies within it):
    /// the decision is the one the full climb reaches, fragile, with fewer bound computations.
    @Test func anAdversarialInputWithinAcceptSkipsTheCostlyRungs() throws {
        let (model, inputs) = try bundled("w1-digits-rnn")
        let sequence = inputs[0]
        let label = try model.predict(sequence).label
        let ladder = CertifierLadder.standard(for: model)
        let quick = PGDAttack.quick(model: model)
        let certified = try ladder.radius(sequence, label: label, perturbation: perturbation, deadline: nil).radius
        let attacked = try #require(PGDAttack(model: model).radius(sequence, label: label, perturbation: perturbation))
        try #require(certified > 0)
        let refuse = certified / 2
        let accept = try #require([2.0, 4, 8].map { attacked * $0 }.first {
            quick.search(sequence, label: label, perturbation: perturbation, epsilon: $0) != nil
        })
        let example = try #require(quick.search(sequence, label: label, perturbation: perturbation, epsilon: accept))
        #expect(perturbation.distortion(of: example, from: sequence) > refuse)

        let decided = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept, refuse: refuse,
                                        attack: quick, deadline: nil)
        #expect(decided.radius == refuse && decided.failedAt == accept && decided.counterexampleDistance == nil)
        #expect(decided.complete)
        // Without the attack the decision climbs every rung at `accept` first, as it did before.
        let climbed = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept, refuse: refuse,
                                        attack: nil, deadline: nil)
        #expect(climbed.radius == decided.radius && climbed.failedAt == decided.failedAt)
        #expect(climbed.boundComputations >= ladder.rungs.count)
        #expect(decided.boundComputations < climbed.boundComputations)
    }

    /// A threshold only a costlier rung proves is still accepted: the attack at `accept` finds nothing
    /// (it cannot, the threshold is certified) and the climb resumes at rung 1, so rung 0 runs once.
    @Test func aThresholdOnlyAHigherRungProvesIsAccepted() throws {
        let (model, inputs) = try bundled("digits-lstm")
        let ladder = CertifierLadder.standard(for: model)
        var found = false
        for sequence in inputs.prefix(5) where !found {
            let label = try model.predict(sequence).label
            let radii = try ladder.rungs.map { try $0.radius(sequence, label: label, perturbation: perturbation).radius }
            guard let tighter = radii.dropFirst().first(where: { $0 > radii[0] * 1.1 }) else { continue }
            let accept = (radii[0] + tighter) / 2
            let check = try ladder.check(sequence, label: label, perturbation: perturbation, epsilon: accept, deadline: nil)
            guard try !ladder.rungs[0].check(sequence, label: label, perturbation: perturbation, epsilon: accept).certified,
                  check.check.certified, check.rung >= 1 else { continue }
            found = true
            let decided = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept,
                                            refuse: radii[0] / 2, attack: PGDAttack.quick(model: model), deadline: nil)
            #expect(decided.radius == accept && decided.failedAt == nil && decided.counterexampleDistance == nil)
            #expect(decided.complete && decided.boundComputations == check.rung + 1)
        }
        #expect(found, "no input where a higher rung proves more than rung 0")
    }

    /// A counterexample within `refuse` refuses, with its distance, after rung 0 alone: found by the attack
    /// at `accept` when it lands within `refuse`, else by the attack at `refuse`, which still runs because
    /// the search at `accept` stops at its first find, however far.
    @Test func aCounterexampleWithinRefuseRefusesWithItsDistance() throws {
        let (model, inputs) = try bundled("w1-digits-rnn")
        let sequence = inputs[0]
        let label = try model.predict(sequence).label
        let ladder = CertifierLadder.standard(for: model)
        let quick = PGDAttack.quick(model: model)
        let attacked = try #require(PGDAttack(model: model).radius(sequence, label: label, perturbation: perturbation))
        let refuse = attacked * 4
        let example = try #require(quick.search(sequence, label: label, perturbation: perturbation, epsilon: refuse))
        let distance = perturbation.distortion(of: example, from: sequence)
        for accept in [refuse, refuse * 2] {
            let first = try #require(quick.search(sequence, label: label, perturbation: perturbation, epsilon: accept))
            let expected = perturbation.contains(first, centre: sequence, epsilon: refuse)
                ? perturbation.distortion(of: first, from: sequence) : distance
            let decided = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept, refuse: refuse,
                                            attack: quick, deadline: nil)
            #expect(decided.radius == 0 && decided.failedAt == accept && decided.complete)
            #expect(decided.counterexampleDistance == expected && expected <= refuse * (1 + 1e-12))
            #expect(decided.boundComputations == 1)
        }
    }
}
