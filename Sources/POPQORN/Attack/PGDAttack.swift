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
    public let seed: UInt64

    /// Boundary points tried before any gradient step; cheap, and enough when eps is far above the radius.
    private static let randomProbes = 8

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
    public func search(_ sequence: [[Double]], label: Int, perturbation: Perturbation, epsilon: Double,
                       target: Int? = nil) -> [[Double]]? {
        precondition(epsilon >= 0 && epsilon.isFinite, "epsilon must be finite and >= 0, found \(epsilon)")
        let goal = Goal(label: label, target: target, classes: model.numClasses)
        let region = Region(centre: sequence, perturbation: perturbation, epsilon: epsilon)
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

    /// The smallest eps (to `tolerance`, relative) at which `search` succeeds, or nil if it fails up to
    /// `upperLimit`: an UPPER bound on the minimum adversarial distortion, never a certificate.
    public func radius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int? = nil,
                       upperLimit: Double = 10, tolerance: Double = 1e-3) -> Double? {
        smallestAdversarial(sequence, label: label, perturbation: perturbation, target: target,
                            upperLimit: upperLimit, tolerance: tolerance)?.epsilon
    }

    /// `radius` together with the counterexample found at that eps.
    ///
    /// The search starts at the linearised distance to the nearest rival's decision boundary, doubles until the attack succeeds or halves until it
    /// fails, then bisects between the last failure and the smallest success.
    public func smallestAdversarial(_ sequence: [[Double]], label: Int, perturbation: Perturbation,
                                    target: Int? = nil, upperLimit: Double = 10,
                                    tolerance: Double = 1e-3) -> AttackResult? {
        precondition(upperLimit > 0 && upperLimit.isFinite && tolerance > 0, "need a finite upperLimit > 0 and tolerance > 0")
        func attempt(_ eps: Double) -> AttackResult? {
            search(sequence, label: label, perturbation: perturbation, epsilon: eps, target: target)
                .map { AttackResult(epsilon: eps, counterexample: $0) }
        }
        if let already = attempt(0) { return already }

        var lower = 0.0
        var best: AttackResult
        let goal = Goal(label: label, target: target, classes: model.numClasses)
        let estimate = nearestRivals(sequence, goal: goal, perturbation: perturbation)[0].distance
        var eps = min(max(estimate, upperLimit * 1e-6), upperLimit)
        if let found = attempt(eps) {
            best = found
            // Halve until failure; a success at 2^-60 of the estimate is as good as a zero radius.
            var halvings = 0
            while let smaller = attempt(best.epsilon / 2) {
                best = smaller
                halvings += 1
                if halvings == 60 { return best }
            }
            lower = best.epsilon / 2
        } else {
            while true {
                lower = eps
                guard eps < upperLimit else { return nil }
                eps = min(2 * eps, upperLimit)
                if let found = attempt(eps) { best = found; break }
            }
        }
        while best.epsilon - lower > tolerance * best.epsilon {
            let middle = (lower + best.epsilon) / 2
            if let found = attempt(middle) { best = found } else { lower = middle }
        }
        return best
    }

    /// Each rival class the goal allows with its linearised distance: the eps at which `y_rival - y_label`,
    /// linearised at the input, reaches zero when every selected frame takes its worst-case step
    /// (margin / sum_t ||grad_t||_q, by Hoelder). Nearest first.
    private func nearestRivals(_ sequence: [[Double]], goal: Goal, perturbation: Perturbation)
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
    private func ascend(from start: [[Double]], goal: Goal, rival: Int?, region: Region) -> [[Double]]? {
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
    static func steepestStep(_ gradient: [Double], norm: Norm, size: Double) -> [Double] {
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

/// What the attack tries to make positive: `max_{j != label} y_j - y_label`, or `y_target - y_label`.
private struct Goal {
    let label: Int
    let target: Int?
    let classes: Int

    init(label: Int, target: Int?, classes: Int) {
        precondition((0..<classes).contains(label), "label \(label) is not a class of this model (0..<\(classes))")
        if let target {
            precondition((0..<classes).contains(target) && target != label,
                         "target \(target) is not another class of this model (0..<\(classes))")
        }
        precondition(classes >= 2, "a classifier with one class has no adversarial inputs")
        self.label = label
        self.target = target
        self.classes = classes
    }

    /// The margin and the class that attains it.
    func margin(_ logits: [Double]) -> (value: Double, rival: Int) {
        if let target { return (logits[target] - logits[label], target) }
        var rival = label == 0 ? 1 : 0
        for j in 0..<classes where j != label && logits[j] > logits[rival] { rival = j }
        return (logits[rival] - logits[label], rival)
    }

    /// Output weights `e_rival - e_label`, whose weighted logit sum is the margin.
    func weights(rival: Int) -> [Double] {
        var weights = [Double](repeating: 0, count: classes)
        weights[rival] = 1
        weights[label] = -1
        return weights
    }
}

/// The perturbation set the attack moves in, with deltas kept per selected frame (empty for fixed frames).
private struct Region {
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
