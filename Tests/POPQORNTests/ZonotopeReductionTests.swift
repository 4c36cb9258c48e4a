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
    @Test func aReducedZonotopeStillBoundsEveryRow() {
        var reduced = twoNeurons()
        reduced.reduce(keep: 1, reductionIDs: [10, 11])
        let bounds = sumAndDifferenceLowerBounds(reduced)
        #expect(bounds.allSatisfy { $0 <= -7 + 1e-9 })
    }
}
