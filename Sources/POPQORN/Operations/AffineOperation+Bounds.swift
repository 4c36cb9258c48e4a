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

    /// sum_i M_i v_i + b term by term. A constant operand adds M c to the offsets; a perturbed frame adds M
    /// to its own columns exactly; any other operand with bounds L <= v <= U adds M+ L + M- U below and
    /// M+ U + M- L above, computed as M (L + U)/2 -+ |M| (U - L)/2: two products instead of four.
    func forward(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> SymbolicBounds {
        let n = bias.count
        let width = terms.map { engine.symbolicWidth(of: $0.node) }.max() ?? 0
        var result = SymbolicBounds(size: n, width: width, offset: bias)
        var terms = 1
        for term in self.terms {
            let source = term.node
            let columns = engine.sizes[source]
            terms += columns
            if let known = Self.knownPart(of: term, size: n, in: engine, flops: &flops) {
                result.addToOffsets(known.centre, magnitude: known.magnitude)
                if let frame = known.frame { result.addExact(frame.map, columns: columns, at: frame.start, epsilon: engine.epsilon) }
                continue
            }
            switch term.map {
            case .dense(let m):
                let magnitudes = m.storage.map(abs)
                let operand = engine.symbolic(of: source)
                let sw = operand.width
                let centre = zip(operand.lower, operand.upper).map { ($0 + $1) / 2 }
                let radius = zip(operand.lower, operand.upper).map { ($1 - $0) / 2 }
                var p = [Double](repeating: 0, count: n * sw), q = p
                GEMM.accumulate(&p, m.storage, centre, m: n, n: sw, k: columns, flops: &flops)
                GEMM.accumulate(&q, magnitudes, radius, m: n, n: sw, k: columns, flops: &flops)
                var po = [Double](repeating: 0, count: n), qo = po, size = po
                GEMM.accumulate(&po, m.storage, vector: zip(operand.lowerOffset, operand.upperOffset).map { ($0 + $1) / 2 },
                                m: n, k: columns, flops: &flops)
                GEMM.accumulate(&qo, magnitudes, vector: zip(operand.lowerOffset, operand.upperOffset).map { ($1 - $0) / 2 },
                                m: n, k: columns, flops: &flops)
                // Each entry of p and q sums products |M_ki| |centre or radius of v_i|, at most the
                // operand's magnitude per neuron, so |M| times those magnitudes bounds their rounding.
                GEMM.accumulate(&size, magnitudes, vector: operand.magnitude, m: n, k: columns, flops: &flops)
                result.addCentred(p, q, columns: sw, offsets: po, qo, magnitude: size.map { 2 * $0 })
            case .scaled(let s):
                let scale = [Double](repeating: s, count: n)
                result.add(engine.symbolic(of: source), lowerScale: scale, upperScale: scale)
            }
        }
        result.finish(epsilon: engine.epsilon, terms: terms)
        return result
    }

    /// sum_i M_i v_i + b term by term, exactly: a constant operand or a frame's centre adds to the centre, a
    /// frame's delta adds M on its own columns, any other operand's zonotope is mapped whole.
    func zonotope(node: NodeID, in engine: LinearBoundEngine, flops: inout Int) -> Zonotope {
        let n = bias.count
        let operands = terms.map { term in
            Self.isKnown(term, in: engine) ? nil : engine.zonotope(of: term.node)
        }
        var result = Zonotope(size: n, width: terms.map { engine.zonotopeWidth(of: $0.node) }.max() ?? 0,
                              freshIDs: Zonotope.symbols(of: operands.compactMap { $0 }), centre: bias)
        var count = 1
        for (term, operand) in zip(terms, operands) {
            let columns = engine.sizes[term.node]
            count += columns
            guard let operand else {
                guard let known = Self.knownPart(of: term, size: n, in: engine, flops: &flops) else { continue }
                result.addToCentre(known.centre, magnitude: known.magnitude)
                if let frame = known.frame { result.addExact(frame.map, columns: columns, at: frame.start, epsilon: engine.epsilon) }
                continue
            }
            switch term.map {
            case .dense(let m): result.addMapped(operand, matrix: m.storage, flops: &flops)
            case .scaled(let s): result.addScaled(operand, scale: [Double](repeating: s, count: n))
            }
        }
        result.finish(epsilon: engine.epsilon, terms: count)
        return result
    }

    private typealias Term = (node: NodeID, map: LinearMap)

    /// Whether a term's operand is a constant or a perturbed frame: known apart from delta itself.
    private static func isKnown(_ term: Term, in engine: LinearBoundEngine) -> Bool {
        !engine.perturbed[term.node] || engine.frameColumns[term.node] != nil
    }

    /// For a term whose operand is a constant or a perturbed frame (nil otherwise): M times its centre
    /// (with the products' absolute sums, which bound their rounding) and, for a frame, the map M that its
    /// own columns of delta get exactly.
    private static func knownPart(of term: Term, size n: Int, in engine: LinearBoundEngine, flops: inout Int)
        -> (centre: [Double], magnitude: [Double], frame: (map: [Double], start: Int)?)? {
        guard isKnown(term, in: engine) else { return nil }
        let value = engine.centre[term.node]
        let columns = value.count
        var centre = [Double](repeating: 0, count: n), magnitude = centre
        let map: [Double]
        switch term.map {
        case .dense(let m):
            GEMM.accumulate(&centre, m.storage, vector: value, m: n, k: columns, flops: &flops)
            GEMM.accumulate(&magnitude, m.storage.map(abs), vector: value.map(abs), m: n, k: columns, flops: &flops)
            map = m.storage
        case .scaled(let s):
            centre = value.map { s * $0 }
            magnitude = value.map { abs(s * $0) }
            var diagonal = [Double](repeating: 0, count: n * columns)
            for k in 0..<n { diagonal[k * columns + k] = s }
            map = diagonal
        }
        return (centre, magnitude, engine.frameColumns[term.node].map { (map, $0) })
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
