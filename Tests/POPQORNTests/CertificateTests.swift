import Foundation
import SequenceModels
import Testing
import POPQORN

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The independent reference fixtures (trained models with POPQORN's and PGD's radii). They live in
/// `../shared/fixtures` beside the repository on the development machines only; a fresh clone has none,
/// so the tests that compare against them are skipped there (saying so) and the bundled
/// `examples/models` carry the rest.
let sharedFixtures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
let sharedFixturesPresent = FileManager.default.fileExists(atPath: sharedFixtures.path)
let sharedFixturesMissing: Comment = "../shared/fixtures is not beside the repository (a fresh clone): reference comparisons skipped"

struct FixtureInput: Decodable {
    let label: Int
    let sequence: [[Double]]
}

/// A model of `examples/models` (part of every clone) and the inputs of its inputs.json.
func bundledModel(_ name: String) throws -> (model: SequenceClassifier, inputs: [[[Double]]]) {
    let folder = repositoryRoot.appendingPathComponent("examples/models/\(name)")
    let inputs = try JSONDecoder().decode([FixtureInput].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
    return (try SequenceClassifier(contentsOf: folder), inputs.map(\.sequence))
}

/// Inside the certified radius neither random boundary points nor PGD may change the class.
func expectNoCounterexample(_ model: SequenceClassifier, _ sequence: [[Double]], label: Int,
                            _ perturbation: Perturbation, radius: Double, context: String) {
    guard radius > 0 else { return }
    let attack = PGDAttack(model: model, steps: 40, restarts: 3, seed: 1)
    #expect(attack.search(sequence, label: label, perturbation: perturbation, epsilon: radius) == nil,
            "PGD beat the certificate: \(context) radius \(radius)")
    var sampler = BallSampler(centre: sequence, perturbation: perturbation, epsilon: radius, seed: 2)
    for _ in 0..<300 {
        let logits = model.trace(sampler.boundaryPoint()).logits
        #expect(logits.indices.allSatisfy { logits[$0] <= logits[label] || $0 == label }, "sample beat \(context)")
    }
}

@Suite("Certified radii survive attacks")
struct CertificateTests {
    @Test(arguments: randomModelSpecs.indices)
    func randomModelRadiiAreSound(modelIndex: Int) throws {
        for seed in 0..<2 as Range<UInt64> {
            let model = randomModelSpecs[modelIndex].make(seed + 20)
            let certifier = Certifier(model: model)
            let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: seed + 30)
            let label = try model.predict(sequence).label
            for perturbation in perturbationSpecs {
                let search = try certifier.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2)
                #expect(search.complete)
                if let failed = search.failedAt { #expect(search.radius < failed) }
                expectNoCounterexample(model, sequence, label: label, perturbation, radius: search.radius,
                                       context: "\(randomModelSpecs[modelIndex].name) \(perturbation)")
                // The attack's radius is an upper bound of the truth, the certificate a lower one.
                if let attacked = PGDAttack(model: model, steps: 30, restarts: 2).radius(sequence, label: label, perturbation: perturbation) {
                    #expect(search.radius <= attacked * (1 + 1e-9))
                }
            }
        }
    }

    /// The fast (fixed relaxations) and thorough (optimized intermediate bounds) paths are attacked too.
    @Test(arguments: [0, 1, 3, 5])
    func fastAndThoroughRadiiAreSound(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(41)
        let sequence = SequenceClassifier.randomSequence(length: 3, inputSize: 3, seed: 42)
        let label = try model.predict(sequence).label
        for perturbation in [Perturbation(norm: .l2), Perturbation(norm: .l1), Perturbation(norm: .linf, frames: .step(1))] {
            let fast = try Certifier(model: model, marginIterations: 0).radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2)
            let thorough = try Certifier(model: model, intermediateIterations: 3).radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2)
            #expect(thorough.radius >= fast.radius * 0.98)
            for search in [fast, thorough] {
                expectNoCounterexample(model, sequence, label: label, perturbation, radius: search.radius,
                                       context: "\(randomModelSpecs[modelIndex].name) \(perturbation)")
            }
        }
    }

    @Test func targetedRadiusIsAtLeastTheUntargetedOne() throws {
        let model = SequenceClassifier.random(architecture: .lstm, inputSize: 3, hiddenSize: 5, numClasses: 4, seed: 4)
        let certifier = Certifier(model: model)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 4)
        let label = try model.predict(sequence).label
        let untargeted = try certifier.radius(sequence, label: label, perturbation: Perturbation(norm: .l2))
        for target in 0..<4 where target != label {
            let targeted = try certifier.radius(sequence, label: label, perturbation: Perturbation(norm: .l2), target: target)
            #expect(targeted.radius >= untargeted.radius * (1 - 2e-3))
            expectNoCounterexample(model, sequence, label: label, Perturbation(norm: .l2), radius: untargeted.radius, context: "targeted")
        }
    }

    @Test func deadlineReturnsAPartialButCertifiedRadius() throws {
        let model = SequenceClassifier.random(architecture: .gru, inputSize: 3, hiddenSize: 6, numClasses: 3, seed: 5)
        let certifier = Certifier(model: model)
        let sequence = SequenceClassifier.randomSequence(length: 5, inputSize: 3, seed: 5)
        let label = try model.predict(sequence).label
        let expired = try certifier.radius(sequence, label: label, perturbation: Perturbation(norm: .linf), deadline: .now)
        #expect(!expired.complete && expired.radius == 0 && expired.boundComputations == 0)
        let full = try certifier.radius(sequence, label: label, perturbation: Perturbation(norm: .linf))
        // A deadline that allows some but not all of the computations: whatever it returns was certified.
        let cut = try certifier.radius(sequence, label: label, perturbation: Perturbation(norm: .linf),
                                       deadline: .now + .milliseconds(2))
        #expect(cut.boundComputations <= full.boundComputations && cut.radius <= full.radius)
        if cut.radius > 0 {
            #expect(try certifier.check(sequence, label: label, perturbation: Perturbation(norm: .linf), epsilon: cut.radius).certified)
        }
    }

    @Test func deadlineStopsALongCheckPartWay() throws {
        let model = SequenceClassifier.random(architecture: .lstm, inputSize: 3, hiddenSize: 12, numClasses: 3, seed: 6)
        let certifier = Certifier(model: model)
        let sequence = SequenceClassifier.randomSequence(length: 40, inputSize: 3, seed: 6)
        let label = try model.predict(sequence).label
        let clock = ContinuousClock()
        let start = clock.now
        let stopped = try certifier.check(sequence, label: label, perturbation: Perturbation(norm: .l2), epsilon: 0.01,
                                          deadline: start + .milliseconds(5))
        #expect(!stopped.complete && !stopped.certified && stopped.marginLowerBounds.isEmpty)
        // It stopped near the deadline, not after the whole computation.
        let full = try certifier.check(sequence, label: label, perturbation: Perturbation(norm: .l2), epsilon: 0.01)
        #expect(full.complete && full.backwardPasses > stopped.backwardPasses)
    }

    @Test func badRequestsAreTypedErrors() throws {
        let model = SequenceClassifier.random(architecture: .rnn, inputSize: 3, hiddenSize: 4, numClasses: 3, seed: 1)
        let certifier = Certifier(model: model)
        let sequence = SequenceClassifier.randomSequence(length: 3, inputSize: 3, seed: 1)
        #expect(throws: CertifierError.framesOutOfRange(selection: "5", length: 3)) {
            try certifier.check(sequence, label: 0, perturbation: Perturbation(norm: .l2, frames: .step(5)), epsilon: 0.1)
        }
        #expect(throws: CertifierError.badLabel(7, classes: 3)) {
            try certifier.check(sequence, label: 7, perturbation: Perturbation(norm: .l2), epsilon: 0.1)
        }
        #expect(throws: CertifierError.badTarget(1, classes: 3)) {
            try certifier.check(sequence, label: 1, perturbation: Perturbation(norm: .l2), epsilon: 0.1, target: 1)
        }
        #expect(throws: CertifierError.badEpsilon(-1)) {
            try certifier.check(sequence, label: 0, perturbation: Perturbation(norm: .l2), epsilon: -1)
        }
        #expect(throws: ModelError.nonFiniteInput(step: 0, feature: 0)) {
            try certifier.check([[.nan, 0, 0]], label: 0, perturbation: Perturbation(norm: .l2), epsilon: 0.1)
        }
    }
}

@Suite("Reference fixtures: sound, and at least as tight as the original POPQORN")
struct FixtureCertificateTests {
    struct Reference: Decodable {
        struct Result: Decodable { let radius: [String: Double] }
        let results: [Result]
    }

    @Test(.enabled(if: sharedFixturesPresent, sharedFixturesMissing), arguments: ["rnn_digits", "lstm_digits", "gru_digits"])
    func fixtureRadii(name: String) throws {
        let folder = sharedFixtures.appendingPathComponent(name)
        let model = try SequenceClassifier(contentsOf: folder)
        let inputs = try JSONDecoder().decode([FixtureInput].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        let attacks = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("attack.json")))
        let reference = try? JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let certifier = Certifier(model: model)
        for index in 0..<2 {
            let input = inputs[index]
            for norm in [Norm.l2, .linf] {
                let perturbation = Perturbation(norm: norm)
                let search = try certifier.radius(input.sequence, label: input.label, perturbation: perturbation)
                if let popqorn = reference?.results[index].radius[norm.rawValue] {
                    #expect(search.radius >= popqorn * 0.998, "\(name)#\(index) p=\(norm.rawValue): \(search.radius) < POPQORN \(popqorn)")
                }
                if let attacked = attacks.results[index].radius[norm.rawValue] {
                    #expect(search.radius <= attacked)
                }
                let attack = PGDAttack(model: model, steps: 30, restarts: 2, seed: 3)
                #expect(attack.search(input.sequence, label: input.label, perturbation: perturbation, epsilon: search.radius) == nil)
            }
        }
    }
}
