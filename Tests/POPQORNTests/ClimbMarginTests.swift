import Foundation
import SequenceModels
import Testing
@testable import POPQORN

/// `CertifierLadder.decide`'s climb margin: a rung that falls short of `accept` by more than the margin (in
/// units of the prediction's own logit margins) hands it to no costlier rung. The rule may only withhold
/// an accept a costlier rung would prove, never prove more. On the bundled digits models.
@Suite("Threshold decisions stop climbing where a rung falls far short")
struct ClimbMarginTests {
    let perturbation = Perturbation(norm: .linf)

    /// At eps = 0 every bound is the margin itself, so the ratio is 1; far beyond the certified radius it
    /// is negative, and the further the more.
    @Test func theRelativeMarginIsOneAtTheCentreAndFallsWithTheRadius() throws {
        let (model, inputs) = try bundledModel("w1-digits-rnn")
        let certifier = Certifier(model: model, method: .window(BoundMethod.defaultWindow), fittedPlanes: false, marginIterations: 0)
        for sequence in inputs.prefix(3) {
            let label = try model.predict(sequence).label
            let centre = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: 0)
            // Up to the few ulps each relaxation is widened by.
            #expect(abs(centre.worstRelativeMargin - 1) < 1e-6)
            let radius = try certifier.radius(sequence, label: label, perturbation: perturbation).radius
            let near = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: radius * 1.2)
            let far = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: radius * 3)
            #expect(!near.certified && near.worstRelativeMargin < 0)
            #expect(far.worstRelativeMargin < near.worstRelativeMargin)
        }
    }

    /// Over inputs and thresholds around their radii: a climb margin never raises the decided radius nor
    /// adds bound computations, and a margin no rung falls short by decides exactly as the full climb.
    @Test func aClimbMarginOnlyWithholds() throws {
        let (model, inputs) = try bundledModel("digits-lstm")
        let ladder = CertifierLadder.standard(for: model)
        let quick = PGDAttack.quick(model: model)
        var stopped = 0
        for sequence in inputs.prefix(4) {
            let label = try model.predict(sequence).label
            let radius = try ladder.rungs[1].radius(sequence, label: label, perturbation: perturbation).radius
            for accept in [radius * 0.9, radius * 1.5] {
                func decide(_ margin: Double?) throws -> ThresholdDecision {
                    try ladder.decide(sequence, label: label, perturbation: perturbation, accept: accept, refuse: accept / 3,
                                      attack: quick, climbMargin: margin, deadline: nil)
                }
                let full = try decide(nil), strict = try decide(0), lenient = try decide(1e6)
                #expect(strict.radius <= full.radius && strict.boundComputations <= full.boundComputations)
                // Only the climb at `accept` may stop: what the full climb flags is never refused.
                #expect(strict.radius >= min(full.radius, accept / 3))
                #expect(lenient == full && !full.stoppedClimbing)
                if strict.stoppedClimbing { stopped += 1 }
            }
        }
        #expect(stopped > 0, "no decision where a climb margin of 0 stopped the climb")
    }

    /// A threshold only a costlier rung proves: a margin below rung 0's shortfall stops there (fragile, not
    /// accepted, one bound computation at `accept`); a margin above it climbs and accepts.
    @Test func theMarginDecidesWhetherACostlierRungTries() throws {
        let (model, inputs) = try bundledModel("digits-lstm")
        let ladder = CertifierLadder.standard(for: model)
        let found = try #require(try HigherRungThreshold.find(model: model, ladder: ladder, inputs: inputs, perturbation: perturbation),
                                 "no input where a higher rung proves more than rung 0")
        let shortfall = -found.cheapestCheck.worstRelativeMargin
        try #require(shortfall > 0)
        func decide(_ margin: Double) throws -> ThresholdDecision {
            try ladder.decide(found.sequence, label: found.label, perturbation: perturbation, accept: found.threshold,
                              refuse: found.cheapestRadius / 2, attack: PGDAttack.quick(model: model), climbMargin: margin,
                              deadline: nil)
        }
        let stopped = try decide(shortfall / 2), climbed = try decide(shortfall * 2)
        #expect(stopped.stoppedClimbing && stopped.radius == found.cheapestRadius / 2)
        #expect(stopped.boundComputations <= climbed.boundComputations)
        #expect(!climbed.stoppedClimbing && climbed.radius == found.threshold)
    }
}
