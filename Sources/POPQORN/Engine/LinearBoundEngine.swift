import SequenceModels

/// One bound computation: the relaxed network at one radius, with interval and linear bounds of every
/// node and the relaxation of every nonlinearity, built forward in time as POPQORN does. The margin
/// bounds of a certificate are then one more backward pass (`lowerBounds(of:rows:)`).
///
/// Walking the nodes in order, each nonlinearity is relaxed as soon as it is reached. Its operands need
/// bounds first: every node still waiting for them (and every other waiting node before it) gets them
/// from one batched backward pass through the relaxations already fixed, intersected with interval
/// arithmetic.
struct LinearBoundEngine: Sendable {
    let graph: ComputationGraph
    /// Each node's operation with its bound verbs, and its size (read in every pass, so kept apart from
    /// the nodes).
    let operations: [any BoundedOperation]
    let sizes: [Int]
    /// Each node's time step (`ComputationGraph.Node.step`), for windowed back-substitution.
    let steps: [Int]
    let method: BoundMethod
    /// Cross-nonlinearities get fitted, verified planes (true) or only the McCormick ones (false).
    let fittedPlanes: Bool
    let centre: [[Double]]
    let perturbed: [Bool]
    let norm: Norm
    let epsilon: Double

    private(set) var lower: [[Double]] = []
    private(set) var upper: [[Double]] = []
    private var refined: [Bool]
    /// Nodes some relaxation needs bounds on that have only interval bounds so far, in order.
    private var waiting: [NodeID] = []
    /// Each nonlinearity's sound relaxations, per neuron (empty for other nodes).
    private(set) var relaxations: [[Relaxation]]
    /// Each nonlinearity's default planes, neuron k's lower one at 2k and its upper one at 2k + 1: what
    /// every backward pass without mixtures reads.
    private(set) var defaultPlanes: [[Plane]]
    /// Backward passes run so far.
    private(set) var passes = 0
    /// Floating-point operations in the passes' matrix products, for the benchmark's GFLOP/s.
    private(set) var flops = 0
    /// True when the deadline stopped the walk: the bounds are then incomplete and certify nothing.
    private(set) var interrupted = false
    /// Margin-optimizer iterations spent on each intermediate bound (0: the default relaxations only).
    let intermediateIterations: Int
    /// Where a large pass may borrow an idle core.
    let cores: ComputeCores
    /// When the walk and its passes stop (`interrupted`).
    let deadline: ContinuousClock.Instant?
    /// Forward mode and zonotopes: each perturbed frame's first column in delta (nil for every
    /// other node), frames in step order, and the frames' (first column, width).
    let frameColumns: [Int?]
    let frames: [(start: Int, width: Int)]
    /// Forward mode: each walked node's symbolic bounds, dropped once its last consumer is walked.
    private var symbolic: [SymbolicBounds?]
    /// Zonotope method: each walked node's zonotope, dropped once its last consumer is walked.
    private(set) var zonotopes: [Zonotope?]
    /// Zonotope method: the nodes of the step being walked that another step reads (`readInOtherStep`),
    /// reduced once the walk leaves their step.
    private var statesToReduce: [NodeID] = []
    /// Window and zonotope method: states past their last use whose zonotopes the window's passes may
    /// still end on (`ZonotopeRows`), dropped once the walk is more than the window past them.
    private var retainedStates: [NodeID] = []
    /// Each node's last consumer (itself when none), after which its symbolic bounds or zonotope are not
    /// needed.
    let lastUse: [NodeID]
    /// Whether a node of another step reads the node: a recurrent state, or a layer's output that the next
    /// layer or a pooling head reads. The zonotope method reduces these when the walk leaves their step.
    let readInOtherStep: [Bool]

    /// Relaxes the whole graph, unless `deadline` passes first (checked between nodes, so a long
    /// sequence cannot hold a worker past its budget).
    init(problem: Certifier.Problem, epsilon: Double, method: BoundMethod = .full, fittedPlanes: Bool = true,
         intermediateIterations: Int = 0, cores: ComputeCores = .shared, deadline: ContinuousClock.Instant? = nil) {
        self.cores = cores
        self.deadline = deadline
        self.method = method
        self.fittedPlanes = fittedPlanes
        steps = problem.steps
        graph = problem.unrolled.graph
        operations = problem.operations
        sizes = problem.sizes
        centre = problem.centre
        perturbed = problem.perturbed
        norm = problem.perturbation.norm
        self.epsilon = epsilon
        self.intermediateIterations = intermediateIterations
        refined = [Bool](repeating: false, count: graph.nodes.count)
        relaxations = [[Relaxation]](repeating: [], count: graph.nodes.count)
        defaultPlanes = [[Plane]](repeating: [], count: graph.nodes.count)
        lower.reserveCapacity(graph.nodes.count)
        upper.reserveCapacity(graph.nodes.count)
        (frameColumns, frames, lastUse, readInOtherStep) = method.carriesNodesForward
            ? Self.forwardLayout(problem)
            : ([Int?](repeating: nil, count: graph.nodes.count), [], Array(graph.nodes.indices), [])
        symbolic = [SymbolicBounds?](repeating: nil, count: method == .forward ? graph.nodes.count : 0)
        zonotopes = [Zonotope?](repeating: nil, count: method.keptSymbols == nil ? 0 : graph.nodes.count)
        for id in graph.nodes.indices {
            if let deadline, ContinuousClock.now >= deadline {
                interrupted = true
            }
            if interrupted { return }
            walk(id)
        }
    }

    /// Forward mode's columns: the perturbed frames in step order (so a forward layer's node at step t
    /// depends on a prefix of the columns only), each node's last consumer, and which nodes another step
    /// reads.
    private static func forwardLayout(_ problem: Certifier.Problem)
        -> (frameColumns: [Int?], frames: [(start: Int, width: Int)], lastUse: [NodeID], readInOtherStep: [Bool]) {
        let nodes = problem.unrolled.graph.nodes
        var frameColumns = [Int?](repeating: nil, count: nodes.count)
        var frames: [(start: Int, width: Int)] = []
        var lastUse = Array(nodes.indices)
        let perturbedFrames = nodes.indices.filter { problem.perturbed[$0] && nodes[$0].operation is InputOperation }
        var column = 0
        for id in perturbedFrames.sorted(by: { (problem.steps[$0], $0) < (problem.steps[$1], $1) }) {
            frameColumns[id] = column
            frames.append((column, problem.sizes[id]))
            column += problem.sizes[id]
        }
        var readInOtherStep = [Bool](repeating: false, count: nodes.count)
        for id in nodes.indices {
            for operand in nodes[id].operation.inputs {
                lastUse[operand] = id
                if problem.steps[operand] != problem.steps[id] { readInOtherStep[operand] = true }
            }
        }
        return (frameColumns, frames, lastUse, readInOtherStep)
    }

    private mutating func walk(_ id: NodeID) {
        guard perturbed[id] else {
            lower.append(centre[id])
            upper.append(centre[id])
            refined[id] = true
            return
        }
        let operation = operations[id]
        // With interval bounds or forward mode, the relaxations are built on the intervals the walk
        // already has.
        if method.backSubstitutesIntermediateBounds { refineWaitingNodes(before: id, ifAnyOf: operation.relaxedOperands) }
        let bounds = operation.bounds(node: id, in: self)
        if graph.nodes[id].needsBounds { waiting.append(id) }
        lower.append(bounds.lower)
        upper.append(bounds.upper)
        relaxations[id] = bounds.relaxations
        var defaults: [Plane] = []
        defaults.reserveCapacity(2 * bounds.relaxations.count)
        for relaxation in bounds.relaxations {
            defaults.append(relaxation.lower[0])
            defaults.append(relaxation.upper[0])
        }
        defaultPlanes[id] = defaults
        if method == .forward { walkForward(id) }
        if method.keptSymbols != nil { walkZonotope(id) }
    }

    /// Zonotope method: the node's zonotope from its operands', its concretization intersected with the
    /// interval bounds, and the operands' zonotopes dropped when this node was their last use.
    ///
    /// A recurrent state keeps all its symbols while its own step is walked (so the step's other nodes
    /// share them) and is reduced to `BoundMethod.zonotope(keep)`'s symbols when the walk moves on: what
    /// bounds the cost per step.
    private mutating func walkZonotope(_ id: NodeID) {
        defer {
            for operand in graph.nodes[id].operation.inputs where lastUse[operand] == id {
                if method.window != nil && readInOtherStep[operand] {
                    retainedStates.append(operand)
                } else {
                    zonotopes[operand] = nil
                }
            }
        }
        if let keep = method.keptSymbols, let state = statesToReduce.first, steps[state] != steps[id] {
            for state in statesToReduce {
                let names = symbolNames(of: state, band: false)
                zonotopes[state]?.reduce(keep: keep, reductionIDs: names)
            }
            statesToReduce = []
            if let window = method.window {
                // A pass for this step's nodes ends at the states of step t - window - 1.
                let (steps, now) = (steps, steps[id])
                for state in retainedStates where abs(steps[state] - now) > window + 1 { zonotopes[state] = nil }
                retainedStates.removeAll { abs(steps[$0] - now) > window + 1 }
            }
        }
        guard frameColumns[id] == nil else { return }
        let zonotope = operations[id].zonotope(node: id, in: self, flops: &flops)
        let (l, u) = zonotope.concretized(frames: frames, norm: norm, epsilon: epsilon)
        for k in 0..<sizes[id] { narrow(id, k, lower: l[k], upper: u[k]) }
        // Kept until its last consumer is walked; an output (no consumer) is kept for the margin.
        zonotopes[id] = zonotope
        if readInOtherStep[id] { statesToReduce.append(id) }
    }

    /// Forward mode: the node's symbolic bounds from its operands', their concretization intersected with
    /// the interval bounds, and the operands' symbolic bounds dropped when this node was their last use.
    private mutating func walkForward(_ id: NodeID) {
        defer {
            for operand in graph.nodes[id].operation.inputs where lastUse[operand] == id { symbolic[operand] = nil }
        }
        // A frame's bounds (centre +- eps) are already exact, and its consumers read it by columns.
        guard frameColumns[id] == nil else { return }
        let bounds = operations[id].forward(node: id, in: self, flops: &flops)
        let (l, u) = bounds.concretized(frames: frames, norm: norm, epsilon: epsilon)
        for k in 0..<sizes[id] { narrow(id, k, lower: l[k], upper: u[k]) }
        if lastUse[id] != id { symbolic[id] = bounds }
    }

    /// Intersects neuron k of `node`'s interval with [l, u], another sound enclosure of the same values.
    /// The two cross only by rounding on a (near-)constant neuron, so the result is put in order.
    private mutating func narrow(_ node: NodeID, _ k: Int, lower l: Double, upper u: Double) {
        let (a, b) = (max(lower[node][k], l), min(upper[node][k], u))
        (lower[node][k], upper[node][k]) = (min(a, b), max(a, b))
    }

    /// Forward mode: a node's symbolic bounds (a constant for a node no perturbed frame reaches, the
    /// identity on its columns for a perturbed frame).
    func symbolic(of node: NodeID) -> SymbolicBounds {
        if let bounds = symbolic[node] { return bounds }
        guard perturbed[node] else { return .constant(centre[node]) }
        var dummy = 0
        return operations[node].forward(node: node, in: self, flops: &dummy)
    }

    /// Forward mode: how many leading columns of delta a node's symbolic bounds can depend on.
    func symbolicWidth(of node: NodeID) -> Int {
        if let start = frameColumns[node] { return start + sizes[node] }
        return symbolic[node]?.width ?? 0
    }

    /// Gives linear bounds to every node before `id` that a nonlinearity needs and that has none yet, in
    /// one batched backward pass, when one of `sources` is among them.
    private mutating func refineWaitingNodes(before id: NodeID, ifAnyOf sources: [NodeID]) {
        guard sources.contains(where: { !refined[$0] }) else { return }
        let waiting = waiting
        self.waiting = []
        let half = waiting.reduce(0) { $0 + sizes[$1] }
        var objective: [(NodeID, [Double])] = []
        var offset = 0
        for node in waiting {
            let n = sizes[node]
            var coefficients = [Double](repeating: 0, count: 2 * half * n)
            for k in 0..<n {
                coefficients[(offset + k) * n + k] = 1          // lower bound of v
                coefficients[(half + offset + k) * n + k] = -1  // lower bound of -v, i.e. -(upper bound)
            }
            objective.append((node, coefficients))
            offset += n
        }
        // A window reaches back K steps from the oldest node of the batch; older nodes enter as intervals.
        var cutoff: Int?
        if let k = method.window { cutoff = (waiting.map { steps[$0] }.min() ?? 0) - k }
        var bounds = splitLowerBounds(of: objective, rows: 2 * half, concretizingBeforeStep: cutoff).bounds
        // A pass the deadline cut short bounds nothing; the walk stops at the next node.
        if interrupted { return }
        if intermediateIterations > 0 { optimize(&bounds, of: waiting, half: half) }
        offset = 0
        for node in waiting {
            for k in 0..<sizes[node] {
                // Widened by far more than the rounding of a pass can move a bound, so a relaxation built
                // on [l, u] covers every value the neuron really takes.
                narrow(node, k, lower: bounds[offset + k] - 1e-12 * (1 + abs(bounds[offset + k])),
                       upper: -bounds[half + offset + k] + 1e-12 * (1 + abs(bounds[half + offset + k])))
            }
            offset += sizes[node]
            refined[node] = true
        }
    }

    /// Tightens a batch's bounds node by node with the margin optimizer: each neuron's lower and upper
    /// bound is its own row with its own relaxation mixtures (alpha-CROWN on intermediate bounds). Every
    /// iterate is sound, so the bounds only tighten; the optimizer's passes are counted in `passes`.
    private mutating func optimize(_ bounds: inout [Double], of waiting: [NodeID], half: Int) {
        let optimizer = MarginOptimizer(iterations: intermediateIterations, learningRate: 0.5)
        var offset = 0
        for node in waiting {
            let n = sizes[node]
            var rows = [Double](repeating: 0, count: 2 * n * n)
            for k in 0..<n {
                rows[k * n + k] = 1
                rows[(n + k) * n + k] = -1
            }
            let initial = Array(bounds[offset..<(offset + n)]) + Array(bounds[(half + offset)..<(half + offset + n)])
            let tightened = optimizer.optimize(&self, node: node, coefficients: rows, rows: 2 * n,
                                               initial: initial, target: .infinity)
            for k in 0..<n {
                bounds[offset + k] = tightened[k]
                bounds[half + offset + k] = tightened[n + k]
            }
            offset += n
        }
    }

    /// One backward pass with the default relaxations (see `BackwardPass`): each row's lower bound, and
    /// its `BackwardPass.inputDualNorms`.
    mutating func lowerBounds(of objective: [(NodeID, [Double])], rows: Int) -> (bounds: [Double], dualNorms: [Double]) {
        splitLowerBounds(of: objective, rows: rows, concretizingBeforeStep: nil)
    }

    /// With the zonotope method, lower bounds of `rows` linear functions of output node `node` (and their
    /// input dual norms) read off its zonotope; nil for other methods.
    mutating func zonotopeLowerBounds(of node: NodeID, rows: [Double], count: Int) -> (bounds: [Double], dualNorms: [Double])? {
        guard method.keptSymbols != nil, let zonotope = zonotopes[node] else { return nil }
        return zonotope.lowerBounds(of: rows, count: count, frames: frames, norm: norm, epsilon: epsilon, flops: &flops)
    }

    /// One backward pass with the default relaxations, its rows shared with a borrowed idle core when
    /// the pass is large and a core is idle (`ComputeCores`). Rows never mix in a pass, so the two halves
    /// are the same pass on fewer rows, and their bounds are the whole pass's.
    private mutating func splitLowerBounds(of objective: [(NodeID, [Double])], rows: Int,
                                           concretizingBeforeStep cutoff: Int?) -> (bounds: [Double], dualNorms: [Double]) {
        let top = objective.map(\.0).max() ?? 0
        guard rows >= 2, rows * graph.offsets[top + 1] >= cores.smallestSplitPass else {
            let pass = BackwardPass(self, objective: objective, rows: rows, concretizingBeforeStep: cutoff, deadline: deadline)
            count(pass)
            if pass.interrupted { interrupted = true }
            return (pass.offset, pass.inputDualNorms)
        }
        let split = rows / 2
        let engine = self
        let first = objective.map { (node, c) in (node, Array(c[..<(split * engine.sizes[node])])) }
        let second = objective.map { (node, c) in (node, Array(c[(split * engine.sizes[node])...])) }
        let deadline = deadline
        let (a, b) = cores.both({
            BackwardPass(engine, objective: first, rows: split, concretizingBeforeStep: cutoff, deadline: deadline)
        }, {
            let pass = BackwardPass(engine, objective: second, rows: rows - split, concretizingBeforeStep: cutoff, deadline: deadline)
            return (offset: pass.offset, dualNorms: pass.inputDualNorms, flops: pass.flops, interrupted: pass.interrupted)
        })
        count(a)
        flops += b.flops
        if a.interrupted || b.interrupted { interrupted = true }
        return (a.offset + b.offset, a.inputDualNorms + b.dualNorms)
    }

    /// Adds a finished backward pass to the totals.
    mutating func count(_ pass: BackwardPass) {
        passes += 1
        flops += pass.flops
    }

    /// Adds an adjoint walk's products to the flop total (it is not a backward pass).
    mutating func count(_ adjoint: AdjointPass) {
        flops += adjoint.flops
    }
}
