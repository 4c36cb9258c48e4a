import SequenceModels

/// The zonotope method's side of the walk (`BoundMethod.zonotope`): each node's `Zonotope`, built by its
/// operation's `zonotope` verb from its operands' and concretized to narrow its interval.
extension LinearBoundEngine {
    /// A node's zonotope: the stored one, a constant for a node no perturbed frame reaches, or (a
    /// perturbed frame) the identity on its columns.
    func zonotope(of node: NodeID) -> Zonotope {
        if let stored = zonotopes[node] { return stored }
        guard perturbed[node] else { return .constant(centre[node]) }
        var dummy = 0
        return operations[node].zonotope(node: node, in: self, flops: &dummy)
    }

    /// How many leading columns of delta a node's zonotope can depend on.
    func zonotopeWidth(of node: NodeID) -> Int {
        if let start = frameColumns[node] { return start + sizes[node] }
        return zonotopes[node]?.width ?? 0
    }

    /// The names of node `node`'s own symbols, per neuron: its band's (`band`) and its order reduction's.
    /// Neuron k of a node is global neuron g = offsets[node] + k; its symbols are 2g and 2g + 1, so a
    /// node's names exceed every name its operands (earlier nodes) can hold.
    func symbolNames(of node: NodeID, band: Bool) -> [Int] {
        (graph.offsets[node]..<graph.offsets[node + 1]).map { 2 * $0 + (band ? 0 : 1) }
    }

    /// The zonotope of a relaxed node whose neuron k lies in the parallel band `bands[k]` of its operands:
    /// the band's middle plane applied to the operands' zonotopes, plus the half-width on the neuron's own
    /// symbol. Sound because the operands' true values lie in the box the bands were built on.
    /// `y` nil for one operand; x == y is one operand used twice.
    func bandedZonotope(node: NodeID, bands: [ParallelBand], x: NodeID, y: NodeID?) -> Zonotope {
        let second = y == x ? nil : y
        let slopeX = bands.map { $0.slopeX + (y == x ? $0.slopeY : 0) }
        let operands = [(x, slopeX)] + (second.map { [($0, bands.map(\.slopeY))] } ?? [])
        return relaxedZonotope(node: node, operands: operands, intercept: bands.map(\.intercept), halfWidth: bands.map(\.halfWidth))
    }

    /// sum over operands of slope[k] * operand[k], plus `intercept`, plus `halfWidth[k]` times neuron k's
    /// own symbol (none where it is 0).
    func relaxedZonotope(node: NodeID, operands: [(NodeID, [Double])], intercept: [Double], halfWidth: [Double]) -> Zonotope {
        let n = intercept.count
        let sources = operands.map { zonotope(of: $0.0) }
        let names = symbolNames(of: node, band: true)
        let own = (0..<n).filter { halfWidth[$0] > 0 }.map { names[$0] }
        var result = Zonotope(size: n, width: sources.map(\.width).max() ?? 0,
                              freshIDs: Zonotope.symbols(of: sources, own: own), centre: intercept)
        for (source, (_, slope)) in zip(sources, operands) { result.addScaled(source, scale: slope) }
        result.addOwnSymbols(halfWidth)
        result.finish(epsilon: epsilon, terms: 2 * operands.count + 2)
        return result
    }
}
