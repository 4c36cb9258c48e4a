import Foundation

/// What the certification benchmarks' tables are made of (`Bench`, `MethodBenchmark`, `TargetBenchmark`
/// conform): medians over inputs, figures to fixed decimals, and the wall time of a piece of work.
protocol BenchFigures {}

extension BenchFigures {
    /// The median of per-input figures (the upper one of an even count); NaN for none.
    func median(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.sorted()[values.count / 2]
    }

    func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// What `body` returns, and its wall time in seconds.
    static func timed<Value>(_ body: () throws -> Value) rethrows -> (seconds: Double, value: Value) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try body()
        return ((clock.now - start).seconds, value)
    }
}
