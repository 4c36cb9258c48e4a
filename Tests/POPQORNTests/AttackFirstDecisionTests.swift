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

    /// An adversarial input within `accept` but beyond `refuse` (which is certified, so none lies within it):
    /// the decision is the one the full climb reaches, fragile, with fewer bound computations.
    @Test func anAdversarialInputWithinAcceptSkipsTheCostlyRungs() throws {
        let (model, inputs) = try bundledModel("w1-digits-rnn")
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
        // Without the attack the decision climbs every rung at `accept` first, as it did before (all but the
        // one the optimizer's rung repeats).
        let climbed = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept, refuse: refuse,
                                        attack: nil, deadline: nil)
        #expect(climbed.radius == decided.radius && climbed.failedAt == decided.failedAt)
        #expect(climbed.boundComputations >= ladder.rungs.indices.filter { !ladder.repeatedByNext($0) }.count)
        #expect(decided.boundComputations < climbed.boundComputations)
    }

    /// A threshold only a costlier rung proves is still accepted: the attack at `accept` finds nothing
    /// (it cannot, the threshold is certified) and the climb resumes at rung 1, so rung 0 runs once.
    @Test func aThresholdOnlyAHigherRungProvesIsAccepted() throws {
        let (model, inputs) = try bundledModel("digits-lstm")
        let ladder = CertifierLadder.standard(for: model)
        let found = try #require(try HigherRungThreshold.find(model: model, ladder: ladder, inputs: inputs, perturbation: perturbation),
                                 "no input where a higher rung proves more than rung 0")
        let accept = found.threshold
        let decided = try ladder.decide(found.sequence, label: found.label, perturbation: perturbation, accept: accept,
                                        refuse: found.cheapestRadius / 2, attack: PGDAttack.quick(model: model), deadline: nil)
        #expect(decided.radius == accept && decided.failedAt == nil && decided.counterexampleDistance == nil)
        #expect(decided.complete && decided.boundComputations == found.ladderCheck.computations)
    }

    /// A counterexample within `refuse` refuses, with its distance, after rung 0 alone: found by the attack
    /// at `accept` when it lands within `refuse`, else by the attack at `refuse`, which still runs because
    /// the search at `accept` stops at its first find, however far.
    @Test func aCounterexampleWithinRefuseRefusesWithItsDistance() throws {
        let (model, inputs) = try bundledModel("w1-digits-rnn")
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
