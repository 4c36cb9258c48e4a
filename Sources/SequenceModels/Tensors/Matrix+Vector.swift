/// Matrix-vector products used by the forward pass. Sizes are small (tens to hundreds), so plain loops
/// compiled with `-Ounchecked` are as fast as a BLAS call and keep the forward pass free of C types.
extension Matrix {
    /// `self * vector`.
    public func times(_ vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "matrix \(rows)x\(columns) times vector of \(vector.count)")
        var result = [Double](repeating: 0, count: rows)
        storage.withUnsafeBufferPointer { m in
            vector.withUnsafeBufferPointer { v in
                for r in 0..<rows {
                    var sum = 0.0
                    let base = r * columns
                    for c in 0..<columns { sum += m[base + c] * v[c] }
                    result[r] = sum
                }
            }
        }
        return result
    }

    /// `transpose(self) * vector`, the product that carries a gradient back through a linear map.
    public func transposedTimes(_ vector: [Double]) -> [Double] {
        precondition(vector.count == rows, "transpose of \(rows)x\(columns) times vector of \(vector.count)")
        var result = [Double](repeating: 0, count: columns)
        storage.withUnsafeBufferPointer { m in
            for r in 0..<rows where vector[r] != 0 {
                let scale = vector[r]
                let base = r * columns
                for c in 0..<columns { result[c] += scale * m[base + c] }
            }
        }
        return result
    }
}
