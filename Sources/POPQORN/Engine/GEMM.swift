import COpenBLAS

/// The one dense kernel of the bound passes: C += A * op(B) (row-major), through OpenBLAS, counting the
/// floating-point operations it runs so the benchmark can report GFLOP/s.
enum GEMM {
    /// OpenBLAS's own threads slow small products down on a busy machine; rnnguard parallelises across
    /// requests instead, so each certifying thread runs one BLAS thread.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// `c (m x n) += a (m x k) * b (k x n)`, or `* transpose(b)` with b stored n x k. c's rows may be
    /// longer than n (`rowLength`): the product then adds to each row's first n entries.
    static func accumulate(_ c: inout [Double], _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
                           transposeB: Bool = false, rowLength: Int? = nil, flops: inout Int) {
        _ = singleThreaded
        guard m > 0, n > 0, k > 0 else { return }
        flops += 2 * m * n * k
        cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), 1, &c, Int32(rowLength ?? n))
    }

    /// `y (m) += a (m x k) * x (k)`.
    static func accumulate(_ y: inout [Double], _ a: [Double], vector x: [Double], m: Int, k: Int, flops: inout Int) {
        _ = singleThreaded
        guard m > 0, k > 0 else { return }
        flops += 2 * m * k
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), x, 1, 1, &y, 1)
    }
}
