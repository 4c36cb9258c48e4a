import SequenceModels

/// A perturbed frame x0 + d with ||d||_p <= eps. (An unperturbed frame is a constant: the walks fold it.)
extension InputOperation: BoundedOperation {
    /// |d_i| <= ||d||_p <= eps for every p, so each feature lies in x0_i +- eps.
    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds {
        let centre = engine.centre[node]
        return NodeBounds(lower: centre.map { $0 - engine.epsilon }, upper: centre.map { $0 + engine.epsilon })
    }

    /// min over ||d||_p <= eps of c . (x0 + d) = c . x0 - eps ||c||_q (Hoelder, q the dual norm).
    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        let engine = pass.engine
        let n = engine.sizes[node]
        GEMM.accumulate(&pass.offset, c, vector: engine.centre[node], m: pass.rows, k: n, flops: &pass.flops)
        c.withUnsafeBufferPointer { all in
            for r in 0..<pass.rows {
                let dual = engine.norm.dual(UnsafeBufferPointer(rebasing: all[(r * n)..<((r + 1) * n)]))
                pass.offset[r] -= engine.epsilon * dual
                pass.inputDualNorms[r] += dual
            }
        }
    }

    /// x0 + delta_frame: the identity on the frame's own columns, exact on both sides.
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds {
        let n = engine.sizes[node]
        // Every perturbed frame has columns (`LinearBoundEngine.frameColumns`); an input without them is
        // not perturbed and never reaches this verb.
        let start = engine.frameColumns[node] ?? 0
        var result = SymbolicBounds(size: n, width: start + n, offset: engine.centre[node])
        for k in 0..<n {
            result.lower[k * result.width + start + k] = 1
            result.upper[k * result.width + start + k] = 1
        }
        result.finish(epsilon: engine.epsilon, terms: 1)
        return result
    }

    /// x0 + delta_frame, the identity on the frame's own columns.
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope {
        let n = engine.sizes[node]
        let start = engine.frameColumns[node] ?? 0
        var result = Zonotope(size: n, width: start + n, freshIDs: [], centre: engine.centre[node])
        for k in 0..<n { result.inputs[k * result.width + start + k] = 1 }
        result.finish(epsilon: engine.epsilon, terms: 1)
        return result
    }

    /// d/dc of c . x0 - eps ||c||_q.
    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        let engine = pass.pass.engine
        var g = pass.broadcast(engine.centre[node])
        let n = engine.sizes[node]
        for r in 0..<pass.rows {
            engine.norm.subtractDualGradient(of: c, row: r, width: n, scale: engine.epsilon, from: &g)
        }
        return g
    }
}
