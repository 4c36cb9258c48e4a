import Foundation
import SequenceModels

/// Projected gradient ascent on the classification margin inside per-frame l_p balls: the attack side of
/// certification. Every input it returns has been run through the model and checked to lie in the set, so a
/// radius it reports is a true upper bound on the minimum adversarial distortion.
///
/// Deterministic: the same attack, input and eps give the same answer, so a result can be replayed.
public struct PGDAttack: Sendable {
    public let model: SequenceClassifier
    /// Gradient steps per restart.
    public let steps: Int
    /// Ascents per search: the first from the input itself, the others from random points of the set.
    public let restarts: Int
    /// Seeds the random probes and restart points.
    public let seed: UInt64

    /// Boundary points tried before any gradient step; cheap, and enough when eps is far above the radius.
    private static let randomProbes = 8

    /// The defaults match the reference attack of the fixtures (60 steps x 4 restarts).
    public init(model: SequenceClassifier, steps: Int = 60, restarts: Int = 4, seed: UInt64 = 0) {
        precondition(steps >= 0 && restarts >= 1, "need steps >= 0 and at least one restart")
        self.model = model
        self.steps = steps
        self.restarts = restarts
        self.seed = seed
    }

    /// An input of the perturbation set of radius `epsilon` about `sequence` that the model does not assign to
    /// `label` (some logit strictly above `label`'s), or with `target` given, whose `target` logit is strictly
    /// above `label`'s; nil when the attack finds none, which proves nothing.
    ///
    /// Tries the input itself, a few random boundary points, then `restarts` projected steepest-ascent runs
    /// (sign of the gradient for l_inf, its direction for l_2, its largest coordinates for l_1; step size
    /// decaying from eps/4), the first from the input, the others from uniform points of the set.
    public func search(_ sequence: [[Double]], label: Int, perturbation: Perturbation, epsilon: Double,
                       target: Int? = nil) -> [[Double]]? {
        precondition(epsilon >= 0 && epsilon.isFinite, "epsilon must be finite and >= 0, found \(epsilon)")
        let goal = AttackGoal(label: label, target: target, classes: model.numClasses)
        let region = AttackRegion(centre: sequence, perturbation: perturbation, epsilon: epsilon)
        if goal.margin(model.trace(sequence).logits).value > 0 { return sequence }
        guard epsilon > 0, sequence.indices.contains(where: perturbation.frames.contains) else { return nil }

        var sampler = BallSampler(centre: sequence, perturbation: perturbation, epsilon: epsilon, seed: seed)
        for _ in 0..<Self.randomProbes {
            let point = sampler.boundaryPoint()
            if goal.margin(model.trace(point).logits).value > 0, region.contains(point) { return point }
        }
        let rivals = nearestRivals(sequence, goal: goal, perturbation: perturbation)
        for restart in 0..<restarts {
            let start = restart == 0 ? sequence : sampler.interiorPoint()
            // The first ascent chases whichever rival logit is highest; the others each aim at one rival, nearest
            // first by the linearised distance, because the highest rival is not always the nearest boundary.
            let rival = restart == 0 ? goal.target : rivals[(restart - 1) % rivals.count].rival
            if let found = ascend(from: start, goal: goal, rival: rival, region: region) { return found }
        }
        return nil
    }

    /// Each rival class the goal allows with its linearised distance: the eps at which `y_rival - y_label`,
    /// linearised at the input, reaches zero when every selected frame takes its worst-case step
    /// (margin / sum_t ||grad_t||_q, by Hoelder). Nearest first.
    func nearestRivals(_ sequence: [[Double]], goal: AttackGoal, perturbation: Perturbation)
        -> [(rival: Int, distance: Double)] {
        let trace = model.trace(sequence)
        let candidates = goal.target.map { [$0] } ?? (0..<model.numClasses).filter { $0 != goal.label }
        return candidates.map { j in
            let gradient = model.backpropagate(trace, outputWeights: goal.weights(rival: j))
            var slope = 0.0
            for t in sequence.indices where perturbation.frames.contains(t) {
                slope += gradient[t].withUnsafeBufferPointer { perturbation.norm.dual($0) }
            }
            let gap = trace.logits[goal.label] - trace.logits[j]
            return (j, slope > 0 ? gap / slope : .infinity)
        }.sorted { $0.distance < $1.distance }
    }

    /// One projected steepest-ascent run on `y_rival - y_label` (with `rival` nil, the highest other logit,
    /// re-chosen at every step); returns the first iterate that meets the goal.
    private func ascend(from start: [[Double]], goal: AttackGoal, rival: Int?, region: AttackRegion) -> [[Double]]? {
        let norm = region.perturbation.norm
        var deltas = region.centre.indices.map { t in
            region.selected(t)
                ? BallSampler.project(zip(start[t], region.centre[t]).map { $0 - $1 }, norm: norm, radius: region.epsilon)
                : []
        }
        for step in 0...steps {
            let point = region.point(deltas)
            let trace = model.trace(point)
            let margin = goal.margin(trace.logits)
            if margin.value > 0, region.contains(point) { return point }
            guard step < steps else { break }
            let gradient = model.backpropagate(trace, outputWeights: goal.weights(rival: rival ?? margin.rival))
            let size = stepSize(step, epsilon: region.epsilon)
            for t in deltas.indices where region.selected(t) {
                let moved = zip(deltas[t], Self.steepestStep(gradient[t], norm: norm, size: size)).map { $0 + $1 }
                deltas[t] = BallSampler.project(moved, norm: norm, radius: region.epsilon)
            }
        }
        return nil
    }

    /// Decays geometrically from eps/4 to eps/100: large early steps cross the ball, small late ones settle.
    private func stepSize(_ step: Int, epsilon: Double) -> Double {
        let progress = steps > 1 ? Double(step) / Double(steps - 1) : 0
        return epsilon / 4 * pow(1.0 / 25, progress)
    }

    /// The step of l_p length `size` that raises the linearised objective most (per frame):
    /// l_inf the gradient's sign, l_2 its direction, l_1 its largest coordinates (a pure single-vertex step
    /// stalls once the iterate sits on a vertex, so the step is spread over the top ~10%).
    private static func steepestStep(_ gradient: [Double], norm: Norm, size: Double) -> [Double] {
        switch norm {
        case .linf:
            return gradient.map { $0 > 0 ? size : ($0 < 0 ? -size : 0) }
        case .l2:
            let length = Norm.l2.length(gradient)
            return length > 0 ? gradient.map { $0 * (size / length) } : gradient.map { _ in 0 }
        case .l1:
            let count = max(1, Int((0.1 * Double(gradient.count)).rounded(.up)))
            let largest = gradient.indices.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(count)
            var step = [Double](repeating: 0, count: gradient.count)
            for i in largest where gradient[i] != 0 { step[i] = gradient[i] > 0 ? size / Double(count) : -size / Double(count) }
            return step
        }
    }
}

/// The perturbation set the attack moves in, with deltas kept per selected frame (empty for fixed frames).
private struct AttackRegion {
    let centre: [[Double]]
    let perturbation: Perturbation
    let epsilon: Double

    func selected(_ t: Int) -> Bool { perturbation.frames.contains(t) }

    func point(_ deltas: [[Double]]) -> [[Double]] {
        centre.indices.map { t in selected(t) ? zip(centre[t], deltas[t]).map { $0 + $1 } : centre[t] }
    }

    func contains(_ point: [[Double]]) -> Bool {
        perturbation.contains(point, centre: centre, epsilon: epsilon)
    }
}
