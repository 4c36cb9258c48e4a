import SequenceModels
import Testing
@testable import POPQORN

/// The row sums that bounds are concretized with (four partial sums instead of one running sum), and the
/// zonotope's symbol bookkeeping (merged names, runs of columns): the same answers as the plain loops
/// they replaced, on every length around the unrolling and on signs, zeros and huge and tiny values.
@Suite struct RowArithmeticTests {
    private static func values(count: Int, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let magnitude = [1e-300, 1e-8, 1, 3.5, 1e8, 1e300][Int(generator.next() % 6)]
            let sign: Double = generator.next() % 2 == 0 ? 1 : -1
            return index % 7 == 3 ? 0 : sign * magnitude * (0.5 + Double(generator.next() % 1000) / 1000)
        }
    }

    @Test func partialSumsAgreeWithARunningSumToRounding() {
        for count in Array(0...13) + [64, 255, 1000] {
            for seed in 0..<(3 as UInt64) {
                let x = Self.values(count: count, seed: seed &* 31 &+ UInt64(count))
                let mask = x.indices.map { Double(($0 * 5 + Int(seed)) % 3 == 0 ? 1 : 0) }
                var magnitudes = 0.0, squares = 0.0, largest = 0.0, masked = 0.0
                for (value, keep) in zip(x, mask) {
                    magnitudes += abs(value)
                    squares += value * value
                    largest = max(largest, abs(value))
                    masked += keep * abs(value)
                }
                // Any order of summing n terms errs by at most (n - 1) u times the sum of magnitudes.
                let slack = Double(max(count, 1)) * 2.3e-16
                x.withUnsafeBufferPointer { buffer in
                    #expect(abs(buffer.sumOfMagnitudes() - magnitudes) <= slack * magnitudes, "\(count) \(seed)")
                    if squares.isFinite {
                        #expect(abs(buffer.sumOfSquares() - squares) <= slack * squares, "\(count) \(seed)")
                    }
                    #expect(buffer.largestMagnitude() == largest)
                    mask.withUnsafeBufferPointer { mask in
                        #expect(abs(buffer.sumOfMagnitudes(maskedBy: mask) - masked) <= slack * masked, "\(count) \(seed)")
                    }
                }
            }
        }
        [Double]().withUnsafeBufferPointer { #expect($0.sumOfMagnitudes() == 0 && $0.largestMagnitude() == 0) }
    }

    @Test func mergedNamesAreTheSortedUnion() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let a = Array(Set((0..<Int(generator.next() % 12)).map { _ in Int(generator.next() % 30) })).sorted()
            let b = Array(Set((0..<Int(generator.next() % 12)).map { _ in Int(generator.next() % 30) })).sorted()
            #expect(Zonotope.merged(a, b) == Array(Set(a).union(b)).sorted(), "\(a) \(b)")
        }
    }

    /// Runs cover every position once, in order, each run consecutive in both source and target.
    @Test func runsReproduceThePositions() {
        for positions in [[], [0], [0, 1, 2], [1, 2, 5, 6, 7, 9], [3, 4, 10], [0, 2, 4, 6]] {
            let runs = Zonotope.runs(positions)
            let expanded = runs.flatMap { run in (0..<run.count).map { (run.source + $0, run.target + $0) } }
            #expect(expanded.map(\.0) == Array(positions.indices) && expanded.map(\.1) == positions, "\(positions)")
            #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.target + $0.count < $1.target })
        }
    }
}
