/// The machine's own GEMM speed, measured beside the bound passes so the benchmark can say how close the
/// passes come to it.
public enum GEMMThroughput {
    /// Median GFLOP/s of `repeats` double-precision n x n x n products on one thread.
    public static func measure(size n: Int, repeats: Int = 15) -> Double {
        let a = (0..<(n * n)).map { Double($0 % 7) * 0.1 }
        let b = (0..<(n * n)).map { Double($0 % 5) * 0.1 }
        var c = [Double](repeating: 0, count: n * n)
        let clock = ContinuousClock()
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = clock.now
            var flops = 0
            GEMM.accumulate(&c, a, b, m: n, n: n, k: n, flops: &flops)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            rates.append(2 * Double(n * n * n) / seconds / 1e9)
        }
        return rates.sorted()[rates.count / 2]
    }
}
