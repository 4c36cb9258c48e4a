import SequenceModels
import Testing
@testable import POPQORN

/// `Zonotope.reduce` folds the symbols whose box loses least (Girard's criterion, ||g||_1 - ||g||_inf):
/// a symbol that moves one neuron only loses nothing as that neuron's own symbol, however large, while
/// folding one shared by two neurons forgets how they move together.
@Suite struct ZonotopeReductionTests {
    /// y0 = 5 e0 + e1 + e2, y1 = e1 - e2: y0 + y1 and y0 - y1 both lie in [-7, 7].
    private func twoNeurons() -> Zonotope {
        var zonotope = Zonotope(size: 2, width: 0, freshIDs: [0, 1, 2], centre: [0, 0])
        zonotope.fresh = [5, 1, 1,
                          0, 1, -1]
        return zonotope
    }

    private func sumAndDifferenceLowerBounds(_ zonotope: Zonotope) -> [Double] {
        var flops = 0
        return zonotope.lowerBounds(of: [1, 1, 1, -1], count: 2, frames: [], norm: .linf, epsilon: 0, flops: &flops).bounds
    }

    @Test func foldingTheSymbolOfOneNeuronLosesNothing() {
        let full = twoNeurons()
        #expect(sumAndDifferenceLowerBounds(full).allSatisfy { abs($0 + 7) < 1e-9 })
        var reduced = full
        reduced.reduce(keep: 2, reductionIDs: [10, 11])
        // e0 moves y0 alone: it is folded, and both shared symbols are kept. Keeping the largest sums
        // instead (e0 and e1) would fold e2 and widen y0 + y1 to [-9, 9].
        #expect(reduced.freshIDs == [1, 2, 10])
        #expect(sumAndDifferenceLowerBounds(reduced).allSatisfy { abs($0 + 7) < 1e-9 })
    }

    /// However the kept symbols are chosen, the reduced zonotope contains the original: every vertex of
    /// the original, written in the reduced symbols, needs only values in [-1, 1].
    /// The kept symbols are exactly the first `keep` of a stable sort by descending weight, found
    /// without sorting indices: ties go to the lower index, and a NaN weight counts as the largest.
    @Test func theKeptSymbolsAreTheFirstOfAStableSort() {
        var generator = SplitMix64(seed: 96)
        for _ in 0..<200 {
            let n = Int.random(in: 0...40, using: &generator)
            // Few distinct values, so ties are common.
            let weights = (0..<n).map { _ in Double(Int.random(in: 0...5, using: &generator)) }
            for keep in 0...(n + 1) {
                let expected = Array((0..<n).sorted { weights[$0] > weights[$1] }.prefix(keep)).sorted()
                #expect(Zonotope.largest(keep, of: weights) == expected, "\(weights) keep \(keep)")
            }
        }
        #expect(Zonotope.largest(2, of: [1, .nan, 3, 2]) == [1, 2])
        #expect(Zonotope.largest(1, of: [.nan, .nan]) == [0])
    }

    /// The selection behind `largest` finds every rank of any list, including ones built to make a
    /// median-of-three quickselect slow (its fallback sorts the range instead).
    @Test func theSelectionFindsEveryRank() {
        var generator = SplitMix64(seed: 98)
        var lists: [[Double]] = [[5], [2, 2, 2, 2], (0..<64).map(Double.init), (0..<64).map { Double(64 - $0) },
                                 [.infinity, -.infinity, 0, .infinity, 1]]
        for _ in 0..<100 {
            let n = Int.random(in: 1...120, using: &generator)
            lists.append((0..<n).map { _ in Double(Int.random(in: 0...(n / 3 + 1), using: &generator)) })
        }
        // Organ-pipe orders defeat a plain median of three.
        lists.append((0..<200).map { Double($0 < 100 ? $0 : 199 - $0) })
        for values in lists {
            let sorted = values.sorted(by: >)
            for rank in 1...values.count {
                #expect(Zonotope.value(ranked: rank, of: values) == sorted[rank - 1])
                // The fallback, from the first partition on and after one.
                #expect(Zonotope.value(ranked: rank, of: values, patience: 0) == sorted[rank - 1])
                #expect(Zonotope.value(ranked: rank, of: values, patience: 1) == sorted[rank - 1])
            }
        }
    }

    /// A reduction's new symbols are named between the kept ones (a node's band symbols and its
    /// reduction symbols interleave): the names stay ascending, each column keeps its coefficients, and
    /// the folded neuron's new symbol carries what was dropped.
    @Test func reductionNamesInterleaveWithTheKeptOnes() {
        var zonotope = Zonotope(size: 2, width: 0, freshIDs: [0, 4, 8, 12], centre: [0, 0])
        zonotope.fresh = [3, 0.1, 2, 1,
                          3, 0.2, 2, -1]
        zonotope.reduce(keep: 3, reductionIDs: [5, 9])
        // Girard's weights are 3, 0.1, 2 and 1: e4 is folded, into symbol 5 of neuron 0 and 9 of neuron 1.
        #expect(zonotope.freshIDs == [0, 5, 8, 9, 12])
        let rows = (zonotope.fresh[0..<5], zonotope.fresh[5..<10])
        #expect(Array(rows.0) == [3, 0.1 * (1 + 4 * 2e-16), 2, 0, 1])
        #expect(Array(rows.1) == [3, 0, 2, 0.2 * (1 + 4 * 2e-16), -1])
    }

    /// `concretized` under l_inf reads the spread `finish` summed; at another eps it sums the rows
    /// itself. Both give the same interval up to rounding, which `finish`'s allowance covers.
    @Test func aFinishedZonotopesSpreadIsItsRowSums() {
        var generator = SplitMix64(seed: 97)
        let frames = [(start: 0, width: 3), (start: 3, width: 3), (start: 6, width: 2)]
        var zonotope = Zonotope(size: 4, width: 8, freshIDs: [1, 2, 3], centre: [0.5, -1, 2, 0])
        zonotope.inputs = (0..<32).map { _ in Double.random(in: -2...2, using: &generator) }
        zonotope.fresh = (0..<12).map { _ in Double.random(in: -1...1, using: &generator) }
        let epsilon = 0.03
        zonotope.finish(epsilon: epsilon, terms: 4)
        let read = zonotope.concretized(frames: frames, norm: .linf, epsilon: epsilon)
        let summed = zonotope.concretized(frames: frames, norm: .linf, epsilon: epsilon.nextUp)
        for k in 0..<4 {
            #expect(abs(read.lower[k] - summed.lower[k]) <= 1e-12 && abs(read.upper[k] - summed.upper[k]) <= 1e-12)
        }
    }

    @Test func aReducedZonotopeStillBoundsEveryRow() {
        var reduced = twoNeurons()
        reduced.reduce(keep: 1, reductionIDs: [10, 11])
        let bounds = sumAndDifferenceLowerBounds(reduced)
        #expect(bounds.allSatisfy { $0 <= -7 + 1e-9 })
    }
}
