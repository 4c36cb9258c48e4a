/// Matrix-vector products of the forward pass and the gradient. Sizes are small (tens to hundreds), so
/// plain loops over unsafe buffers (no bounds checks, shapes checked once up front) keep up with a BLAS
/// call and keep this module free of C types.
extension Matrix {
    /// `out += self * vector`.
    public func multiply(_ vector: [Double], addingTo out: inout [Double]) {
        vector.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { multiply(v, addingTo: $0) }
        }
    }

    /// `out += self * vector`, on buffers.
    public func multiply(_ vector: UnsafeBufferPointer<Double>, addingTo out: UnsafeMutableBufferPointer<Double>) {
        precondition(vector.count == columns && out.count == rows, "matrix \(rows)x\(columns) times vector of \(vector.count)")
        let columns = columns
        storage.withUnsafeBufferPointer { m in
            for r in 0..<rows {
                var sum = 0.0
                let base = r &* columns
                for c in 0..<columns { sum += m[base &+ c] * vector[c] }
                out[r] += sum
            }
        }
    }

    /// `transpose(self) * vector`, the product that carries a gradient back through a linear map.
    public func transposedTimes(_ vector: [Double]) -> [Double] {
        precondition(vector.count == rows, "transpose of \(rows)x\(columns) times vector of \(vector.count)")
        var result = [Double](repeating: 0, count: columns)
        let columns = columns
        storage.withUnsafeBufferPointer { m in
            result.withUnsafeMutableBufferPointer { result in
                for r in 0..<rows where vector[r] != 0 {
                    let scale = vector[r]
                    let base = r * columns
                    for c in 0..<columns { result[c] += scale * m[base + c] }
                }
            }
        }
        return result
    }
}
