import SequenceModels

/// POPQORN certificates for one model: threshold checks, radius searches and per-frame sensitivity.
///
/// A certificate at eps holds when, for every class j other than the label (or for the target only), a
/// lower bound of y_label - y_j over the whole perturbation set is positive. The margins are bounded
/// directly, from the rows W_label - W_j of the head, which is tighter than comparing separate bounds of
/// the logits. Bounds are computed in `Double`; a margin must exceed `marginFloor`, far above the
/// rounding a bound computation can accumulate, to count as positive.
public struct Certifier: Sendable, CustomStringConvertible {
    public let model: SequenceClassifier

    /// The smallest margin lower bound that certifies.
    public static let marginFloor = 1e-8
    /// Radius searches stop narrowing a bracket whose failed end is below this.
    public static let smallestRadius = 1e-9
    /// Where a radius search without a better guess tries first.
    public static let defaultFirstTrial = 0.01
    /// The margin optimizer's iterations when it runs.
    public static let defaultMarginIterations = 20

    /// Iterations of the margin optimizer (`MarginOptimizer`) when the default relaxations leave some
    /// margin bound non-positive; 0 turns it off (POPQORN's fixed relaxations only).
    public var marginIterations: Int
    /// Optimizer iterations on every intermediate bound as well (alpha-CROWN on the intermediate
    /// layers): a few percent larger radii for many times the cost, for audits; 0 by default.
    public var intermediateIterations: Int
    /// How intermediate bounds are computed (`BoundMethod`); `full` is POPQORN's.
    public var method: BoundMethod
    /// Cross-nonlinearities (the gated products) get fitted planes with verified offsets (true), or only
    /// the McCormick planes that are sound by construction (false: cheaper, looser).
    public var fittedPlanes: Bool

    public init(model: SequenceClassifier, method: BoundMethod = .full, fittedPlanes: Bool = true, marginIterations: Int = defaultMarginIterations,
                intermediateIterations: Int = 0) {
        self.model = model
        self.method = method
        self.fittedPlanes = fittedPlanes
        self.marginIterations = marginIterations
        self.intermediateIterations = intermediateIterations
    }

    /// The rung's name (`CertifierRung`: the bound method, "+mccormick", "+optimizer"), and "+intermediate"
    /// when every intermediate bound is optimized too.
    public var description: String {
        rung.description + (intermediateIterations > 0 ? "+intermediate" : "")
    }

    /// The ladder rung this certifier is, without its intermediate-bound optimizer (which no ladder runs).
    public var rung: CertifierRung {
        CertifierRung(method: method, fittedPlanes: fittedPlanes, optimizer: marginIterations > 0)
    }

    /// Everything about one input that does not depend on eps, prepared once per search.
    struct Problem {
        let unrolled: UnrolledClassifier
        /// Each node's operation with its bound verbs.
        let operations: [any BoundedOperation]
        let sizes: [Int]
        let steps: [Int]
        let centre: [[Double]]
        let perturbed: [Bool]
        let perturbation: Perturbation
        let label: Int
        let rivals: [Int]
    }

    func problem(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int?) throws -> Problem {
        try model.validate(sequence)
        let classes = model.numClasses
        guard (0..<classes).contains(label) else { throw CertifierError.badLabel(label, classes: classes) }
        if let target, !(0..<classes).contains(target) || target == label {
            throw CertifierError.badTarget(target, classes: classes)
        }
        if let last = perturbation.frames.lastStep, last >= sequence.count {
            throw CertifierError.framesOutOfRange(selection: perturbation.frames.description, length: sequence.count)
        }
        let unrolled = model.unrolled(length: sequence.count)
        return Problem(unrolled: unrolled, operations: try unrolled.graph.boundedOperations(),
                       sizes: unrolled.graph.nodes.map(\.size), steps: unrolled.graph.nodes.map(\.step),
                       centre: unrolled.graph.evaluate(sequence),
                       perturbed: unrolled.graph.perturbedNodes(perturbation.frames.contains),
                       perturbation: perturbation, label: label,
                       rivals: target.map { [$0] } ?? (0..<classes).filter { $0 != label })
    }

    func check(_ problem: Problem, epsilon: Double, deadline: ContinuousClock.Instant? = nil) -> ThresholdCheck {
        var engine = LinearBoundEngine(problem: problem, epsilon: epsilon, method: method, fittedPlanes: fittedPlanes,
                                       intermediateIterations: intermediateIterations, deadline: deadline)
        // Stopped by the deadline (in the walk, or below in the margin pass): nothing is certified.
        func incomplete() -> ThresholdCheck {
            ThresholdCheck(epsilon: epsilon, certified: false, marginLowerBounds: [:], backwardPasses: engine.passes,
                           flops: engine.flops, complete: false)
        }
        guard !engine.interrupted else { return incomplete() }
        let classes = model.numClasses
        var rows = [Double](repeating: 0, count: problem.rivals.count * classes)
        for (r, j) in problem.rivals.enumerated() {
            rows[r * classes + problem.label] = 1
            rows[r * classes + j] = -1
        }
        var pass = engine.lowerBounds(of: [(problem.unrolled.logits, rows)], rows: problem.rivals.count)
        guard !engine.interrupted else { return incomplete() }
        // The zonotope method's own margins are sound too, and sometimes tighter: each row takes the
        // better of the two, with that bound's dual norms for `provenRadius`.
        if let zonotope = engine.zonotopeLowerBounds(of: problem.unrolled.logits, rows: rows, count: problem.rivals.count) {
            for r in pass.bounds.indices where zonotope.bounds[r] > pass.bounds[r] {
                (pass.bounds[r], pass.dualNorms[r]) = (zonotope.bounds[r], zonotope.dualNorms[r])
            }
        }
        var margins = pass.bounds
        // Only the rows the default relaxations leave uncertified are worth optimizing.
        let open = margins.indices.filter { margins[$0] <= Self.marginFloor }
        let timeLeft = deadline.map { ContinuousClock.now < $0 } ?? true
        if marginIterations > 0 && !open.isEmpty && timeLeft {
            let optimizer = MarginOptimizer(iterations: marginIterations, learningRate: 0.5)
            let tightened = optimizer.optimize(
                &engine, node: problem.unrolled.logits, coefficients: open.flatMap { rows[($0 * classes)..<(($0 + 1) * classes)] },
                rows: open.count, initial: open.map { margins[$0] }, target: Self.marginFloor)
            for (row, margin) in zip(open, tightened) { margins[row] = margin }
        }
        let certified = margins.allSatisfy { $0 > Self.marginFloor }
        let logits = problem.centre[problem.unrolled.logits]
        return ThresholdCheck(epsilon: epsilon, certified: certified,
                              marginLowerBounds: Dictionary(uniqueKeysWithValues: zip(problem.rivals, margins)),
                              backwardPasses: engine.passes, flops: engine.flops, complete: true,
                              provenRadius: certified ? epsilon : Self.provenRadius(margins: margins, default: pass, epsilon: epsilon),
                              centreMargins: Dictionary(uniqueKeysWithValues: problem.rivals.map { ($0, logits[problem.label] - logits[$0]) }))
    }

    /// The largest eps' <= eps the computation at eps proves. Every relaxation was built on boxes that hold
    /// the eps-ball, hence every smaller ball, and the margin pass is linear in the perturbation: row r's
    /// bound at eps' is its constant part minus eps' times its input dual norms, B_r, that is
    /// m_r + (eps - eps') B_r with m_r its bound at eps. A row the optimizer certified stays certified
    /// below eps; any other row holds while m_r + (eps - eps') B_r > floor. The answer is shrunk by a
    /// relative 1e-9, far more than the rounding of that arithmetic can move it.
    static func provenRadius(margins: [Double], default pass: (bounds: [Double], dualNorms: [Double]), epsilon: Double) -> Double {
        var radius = epsilon
        for r in margins.indices where margins[r] <= marginFloor {
            let slope = pass.dualNorms[r]
            let reach = slope > 0 ? epsilon - (marginFloor - pass.bounds[r]) / slope : 0
            radius = min(radius, max(0, reach * (1 - 1e-9)))
        }
        return radius < smallestRadius ? 0 : radius
    }

    /// Is `label` certified for every input within `epsilon` (per perturbed frame, in `perturbation.norm`)?
    /// Past `deadline` the computation stops and the check comes back incomplete (and not certified).
    public func check(_ sequence: [[Double]], label: Int, perturbation: Perturbation, epsilon: Double,
                      target: Int? = nil, deadline: ContinuousClock.Instant? = nil) throws -> ThresholdCheck {
        guard epsilon.isFinite && epsilon >= 0 else { throw CertifierError.badEpsilon(epsilon) }
        return check(try problem(sequence, label: label, perturbation: perturbation, target: target), epsilon: epsilon,
                     deadline: deadline)
    }
}
