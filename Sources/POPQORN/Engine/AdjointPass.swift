import SequenceModels

/// The adjoint of a recorded backward pass: dB_r / dC_node[r, :] for every node the pass reached, walking
/// upwards. A node's coefficients act on the bound only through its inputs (or the offset), whose
/// adjoints are known by then; each operation's `adjoint` verb does the local step.
struct AdjointPass {
    let pass: BackwardPass
    private(set) var adjoints: [[Double]?]
    var flops = 0

    init(_ pass: BackwardPass) {
        self.pass = pass
        let count = pass.stored.count
        adjoints = [[Double]?](repeating: nil, count: count)
        let engine = pass.engine
        for id in 0..<count {
            guard let c = pass.stored[id] else { continue }
            let g = engine.perturbed[id] ? engine.operations[id].adjoint(c, node: id, pass: &self) : broadcast(engine.centre[id])
            adjoints[id] = g
        }
    }

    var rows: Int { pass.rows }

    /// Node `node`'s adjoint, zeros where the pass never reached it.
    func adjoint(of node: NodeID) -> [Double] {
        adjoints[node] ?? [Double](repeating: 0, count: rows * pass.engine.sizes[node])
    }

    /// `vector` on every row: the adjoint of a constant term c . vector.
    func broadcast(_ vector: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: rows * vector.count)
        for r in 0..<rows { for k in vector.indices { g[r * vector.count + k] = vector[k] } }
        return g
    }

    /// The adjoint of `relaxedStep`: each coefficient's plane, with the operands' adjoints.
    func relaxedAdjoint(node: NodeID, x: NodeID, y: NodeID?) -> [Double] {
        let planes = pass.planes[node] ?? []
        let gx = adjoint(of: x)
        let gy = y.map(adjoint(of:)) ?? gx
        return planes.indices.map { i in gx[i] * planes[i].a + gy[i] * planes[i].b + planes[i].c }
    }
}
