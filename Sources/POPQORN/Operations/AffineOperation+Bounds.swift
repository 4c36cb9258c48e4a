import SequenceModels

/// sum_i M_i x_i + b is exact under every bound: intervals by centre-radius arithmetic, coefficients by
/// the transposed maps.
extension AffineOperation: BoundedOperation {
    /// W c +- |W| r for each term, summed. Rounding in the sums is far below the final relative widening.
    func bounds(node: NodeID, in engine: LinearBoundEngine) -> NodeBounds {
        var mid = bias
        var radius = [Double](repeating: 0, count: bias.count)
        for term in terms {
            let (lower, upper) = (engine.lower[term.node], engine.upper[term.node])
            let c = zip(lower, upper).map { ($0 + $1) / 2 }
            let r = zip(lower, upper).map { ($1 - $0) / 2 }
            switch term.map {
            case .dense(let m):
                m.storage.withUnsafeBufferPointer { w in
                    for row in 0..<m.rows {
                        var sum = 0.0, spread = 0.0
                        for col in 0..<m.columns {
                            let weight = w[row * m.columns + col]
                            sum += weight * c[col]
                            spread += abs(weight) * r[col]
                        }
                        mid[row] += sum
                        radius[row] += spread
                    }
                }
            case .scaled(let s):
                for k in mid.indices {
                    mid[k] += s * c[k]
                    radius[k] += abs(s) * r[k]
                }
            }
        }
        return NodeBounds(lower: zip(mid, radius).map { $0 - $1 - 1e-12 * (abs($0) + $1) },
                          upper: zip(mid, radius).map { $0 + $1 + 1e-12 * (abs($0) + $1) })
    }

    /// c (M x + b) = (c M) x + c b: the bias goes to the offset, c M to each input.
    func backward(_ c: [Double], node: NodeID, pass: inout BackwardPass) {
        let n = bias.count
        let rows = pass.rows
        GEMM.accumulate(&pass.offset, c, vector: bias, m: rows, k: n, flops: &pass.flops)
        for term in terms {
            switch term.map {
            case .dense(let m):
                var product = pass.take(term.node)
                GEMM.accumulate(&product, c, m.storage, m: rows, n: m.columns, k: n, flops: &pass.flops)
                pass.put(product, at: term.node)
            case .scaled(1):
                pass.add(c, to: term.node)
            case .scaled(let s):
                var sum = pass.take(term.node)
                for i in sum.indices { sum[i] += s * c[i] }
                pass.put(sum, at: term.node)
            }
        }
    }

    /// The bias broadcast, and each input's adjoint carried back through its map: g += g_in M^T.
    func adjoint(_ c: [Double], node: NodeID, pass: inout AdjointPass) -> [Double] {
        var g = pass.broadcast(bias)
        let n = bias.count
        for term in terms {
            let source = pass.adjoint(of: term.node)
            switch term.map {
            case .dense(let m):
                GEMM.accumulate(&g, source, m.storage, m: pass.rows, n: n, k: m.columns, transposeB: true, flops: &pass.flops)
            case .scaled(let s):
                for i in g.indices { g[i] += s * source[i] }
            }
        }
        return g
    }
}
