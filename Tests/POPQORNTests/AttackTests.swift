import Foundation
import Testing
import SequenceModels
import POPQORN

struct AttackTests {
    static let architectures: [Architecture] = [.rnn, .lstm, .gru]

    /// A small random model and an input with its predicted label.
    static func randomCase(_ architecture: Architecture, seed: UInt64) -> (SequenceClassifier, [[Double]], Int) {
        let model = SequenceClassifier.random(architecture: architecture, inputSize: 4, hiddenSize: 8, numLayers: 2,
                                              numClasses: 4, scale: 1.5, seed: seed)
        let input = SequenceClassifier.randomSequence(length: 5, inputSize: 4, seed: seed + 1)
        return (model, input, argmax(model.trace(input).logits))
    }

    static func argmax(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] }! }

    @Test(arguments: architectures, Norm.allCases)
    func counterexamplesChangeTheClassInsideTheSet(architecture: Architecture, norm: Norm) throws {
        let (model, input, label) = Self.randomCase(architecture, seed: 20)
        let attack = PGDAttack(model: model)
        for frames in [FrameSelection.all, .window(3, 4)] {
            let perturbation = Perturbation(norm: norm, frames: frames)
            let result = attack.search(input, label: label, perturbation: perturbation, epsilon: 6)
            let found = try #require(result, "no counterexample with frames \(frames)")
            #expect(Self.argmax(model.trace(found).logits) != label)
            #expect(perturbation.contains(found, centre: input, epsilon: 6))

            let target = (label + 1) % model.numClasses
            if let hit = attack.search(input, label: label, perturbation: perturbation, epsilon: 6, target: target) {
                let logits = model.trace(hit).logits
                #expect(logits[target] > logits[label])
                #expect(perturbation.contains(hit, centre: input, epsilon: 6))
            }
        }
    }

    @Test(arguments: architectures, Norm.allCases)
    func radiusIsAReplayableUpperBound(architecture: Architecture, norm: Norm) throws {
        let (model, input, label) = Self.randomCase(architecture, seed: 30)
        let perturbation = Perturbation(norm: norm)
        let known = try #require(Self.adversarialOnTheLine(model, input, label: label, seed: 31))
        let knownDistortion = perturbation.distortion(of: known, from: input)

        let attack = PGDAttack(model: model, steps: 30, restarts: 2)
        let result = attack.radius(input, label: label, perturbation: perturbation,
                                   upperLimit: 2 * knownDistortion, tolerance: 1e-2)
        let radius = try #require(result)
        #expect(radius <= knownDistortion)
        let replayed = attack.search(input, label: label, perturbation: perturbation, epsilon: radius)
        let replay = try #require(replayed)
        #expect(Self.argmax(model.trace(replay).logits) != label)
        #expect(perturbation.contains(replay, centre: input, epsilon: radius))
    }

    @Test(arguments: Norm.allCases)
    func tinyEpsilonFarFromTheBoundaryFindsNothing(norm: Norm) {
        let (model, input, label) = Self.randomCase(.lstm, seed: 40)
        let logits = model.trace(input).logits
        let margin = logits[label] - logits.indices.filter { $0 != label }.map { logits[$0] }.max()!
        #expect(margin > 0.1)
        let attack = PGDAttack(model: model, steps: 20, restarts: 2)
        #expect(attack.search(input, label: label, perturbation: Perturbation(norm: norm), epsilon: 1e-5) == nil)
    }

    @Test func misclassifiedInputHasRadiusZero() throws {
        let (model, input, label) = Self.randomCase(.gru, seed: 50)
        let wrong = (label + 1) % model.numClasses
        let found = PGDAttack(model: model).smallestAdversarial(input, label: wrong, perturbation: Perturbation(norm: .l2))
        let result = try #require(found)
        #expect(result.epsilon == 0)
        #expect(result.counterexample == input)
    }

    /// The first point on the segment from `input` toward a random input of another class that the model does
    /// not assign to `label` (bisection on the segment): a known adversarial point to compare the attack with.
    static func adversarialOnTheLine(_ model: SequenceClassifier, _ input: [[Double]], label: Int,
                                     seed: UInt64) -> [[Double]]? {
        func along(_ other: [[Double]], _ s: Double) -> [[Double]] {
            zip(input, other).map { a, b in zip(a, b).map { $0 + s * ($1 - $0) } }
        }
        for attempt in 0..<50 {
            let other = SequenceClassifier.randomSequence(length: input.count, inputSize: input[0].count,
                                                          seed: seed + UInt64(attempt))
            guard argmax(model.trace(other).logits) != label else { continue }
            var (inside, outside) = (0.0, 1.0)
            for _ in 0..<40 {
                let middle = (inside + outside) / 2
                if argmax(model.trace(along(other, middle)).logits) == label { inside = middle } else { outside = middle }
            }
            return along(other, outside)
        }
        return nil
    }
}

/// The trained digit models of ../shared/fixtures (when present) against the reference PGD radii in their attack.json.
struct FixtureAttackTests {
    struct Input: Decodable {
        let label: Int
        let sequence: [[Double]]
    }

    struct AttackFile: Decodable {
        struct Result: Decodable {
            let label: Int
            let radius: [String: Double]
        }
        let results: [Result]
    }

    @Test(.enabled(if: sharedFixturesPresent, sharedFixturesMissing), arguments: ["rnn_digits", "lstm_digits", "gru_digits"], Norm.allCases)
    func radiusIsCloseToTheReferenceAttack(folder: String, norm: Norm) throws {
        let directory = sharedFixtures.appendingPathComponent(folder)
        try #require(FileManager.default.fileExists(atPath: directory.path), "fixture folder \(directory.path) is missing")
        let model = try SequenceClassifier(contentsOf: directory)
        let inputs = try JSONDecoder().decode([Input].self, from: Data(contentsOf: directory.appendingPathComponent("inputs.json")))
        let reference = try JSONDecoder().decode(AttackFile.self,
                                                 from: Data(contentsOf: directory.appendingPathComponent("attack.json")))
        let attack = PGDAttack(model: model)
        let perturbation = Perturbation(norm: norm)
        for (input, expected) in zip(inputs, reference.results).prefix(3) {
            #expect(input.label == expected.label)
            let referenceRadius = try #require(expected.radius[norm.rawValue])
            // Searching only up to 1.5x the reference is the check itself, and keeps the test fast.
            // Smaller than the reference is a stronger attack, provided the counterexample is real.
            let found = attack.smallestAdversarial(input.sequence, label: input.label, perturbation: perturbation,
                                                   upperLimit: 1.5 * referenceRadius, tolerance: 0.1)
            let result = try #require(found, "\(folder) label \(input.label) p=\(norm.rawValue): no counterexample up to 1.5x the reference radius \(referenceRadius)")
            #expect(AttackTests.argmax(model.trace(result.counterexample).logits) != input.label)
            #expect(perturbation.contains(result.counterexample, centre: input.sequence, epsilon: result.epsilon))
        }
    }
}
