import COpenBLAS

/// The one dense kernel of the backward passes: C += A * B (row-major), through OpenBLAS.
enum GEMM {
    /// OpenBLAS's own threads slow small products down on a busy machine; rnnguard parallelises across
    /// requests instead, so each certifying thread runs one BLAS thread.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// `c (m x n) += a (m x k) * b (k x n)`.
    static func accumulate(_ c: inout [Double], _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) {
        _ = singleThreaded
        guard m > 0, n > 0, k > 0 else { return }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 1, &c, Int32(n))
    }

    /// `y (m) += a (m x k) * x (k)`.
    static func accumulate(_ y: inout [Double], _ a: [Double], vector x: [Double], m: Int, k: Int) {
        _ = singleThreaded
        guard m > 0, k > 0 else { return }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), x, 1, 1, &y, 1)
    }
}
