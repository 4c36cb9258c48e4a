import Foundation
import SequenceModels
import Testing
@testable import POPQORN

/// Intervals that stress a relaxation: tiny and huge, one-sided, crossing, saturated, degenerate.
private func testIntervals(count: Int, seed: UInt64) -> [(Double, Double)] {
    var rng = SplitMix64(seed: seed)
    var intervals: [(Double, Double)] = [(0, 0), (-3, -3), (5, 5), (-1e-13, 1e-13), (2, 2 + 1e-10), (-100, 100),
                                         (-40, -20), (20, 40), (-1e-3, 50), (-50, 1e-3), (0, 1e-6), (-8, 8)]
    for _ in 0..<count {
        let centre = rng.normal() * [0.5, 2, 8, 30][Int.random(in: 0..<4, using: &rng)]
        let width = pow(10, Double.random(in: -9...2, using: &rng))
        let skew = Double.random(in: 0...1, using: &rng)
        intervals.append((centre - skew * width, centre + (1 - skew) * width))
    }
    return intervals
}

/// Points of [l, u]: a grid with both ends plus random points.
private func points(_ l: Double, _ u: Double, rng: inout SplitMix64) -> [Double] {
    (0...100).map { l + (u - l) * Double($0) / 100 } + (0..<100).map { _ in Double.random(in: l...u, using: &rng) }
}

@Suite("1D relaxations are sound on dense grids")
struct UnaryRelaxationTests {
    static let operators: [any UnaryOperator.Type] = [Tanh.self, Sigmoid.self, ReLU.self]

    @Test(arguments: 0..<3)
    func linesEncloseTheFunction(operatorIndex: Int) {
        let op = Self.operators[operatorIndex]
        var rng = SplitMix64(seed: 11)
        for (l, u) in testIntervals(count: 3000, seed: UInt64(operatorIndex)) {
            let lines = op.relax(lower: l, upper: u)
            // The defaults and every candidate the margin optimizer may mix.
            let choices = op.relaxations(lower: l, upper: u)
            for x in points(l, u, rng: &rng) {
                let f = op.value(x)
                let tolerance = 1e-13 * max(1, abs(x))
                #expect(lines.lowerSlope * x + lines.lowerIntercept <= f + tolerance, "\(op.name) lower on [\(l), \(u)] at \(x)")
                #expect(lines.upperSlope * x + lines.upperIntercept >= f - tolerance, "\(op.name) upper on [\(l), \(u)] at \(x)")
                for line in choices.lower { #expect(line.a * x + line.c <= f + tolerance, "\(op.name) candidate lower on [\(l), \(u)]") }
                for line in choices.upper { #expect(line.a * x + line.c >= f - tolerance, "\(op.name) candidate upper on [\(l), \(u)]") }
            }
        }
    }

    /// The table decides only tightness (the tangent is shifted until sound), so what it must get right
    /// is the point: within a hair of the direct solution, its tangent touching (l, f(l)).
    @Test func tabulatedTangentPointsMatchTheDirectSolution() {
        var rng = SplitMix64(seed: 5)
        func check<F: SShapedFunction>(_ f: F.Type, span: Double) {
            for k in 0..<2000 {
                // Grid points, points between them, and ends near 0 where the equation is flattest.
                let l = k < 1000 ? -span * Double.random(in: 0...1, using: &rng) : -pow(10, Double.random(in: -9...0, using: &rng))
                let fl = F.value(l)
                guard let point = F.tangentPoints.point(f, leftEnd: l, fl: fl, limit: 100) else {
                    Issue.record("\(F.name): no table entry for l = \(l)")
                    continue
                }
                let exact = TangentPoints.solve(f, leftEnd: l, fl: fl, bracket: (0, 100), iterations: 400)
                // Near l = 0 the gap is flat to rounding (f is nearly its cubic there), so any point in a
                // small range is as good: there only the gap below is asked for.
                if l < -1e-3 {
                    #expect(abs(point - exact) <= 1e-7 * max(1, exact), "\(F.name) at l = \(l): \(point) against \(exact)")
                }
                // One polishing step leaves about 1e-12 (the square of the interpolation error).
                #expect(abs(TangentPoints.gap(f, leftEnd: l, fl: fl, at: point).value) <= 1e-10, "\(F.name) at l = \(l)")
            }
            #expect(F.tangentPoints.point(f, leftEnd: -span * 1.01, fl: F.value(-span * 1.01), limit: 100) == nil)
        }
        check(Tanh.self, span: 16)
        check(Sigmoid.self, span: 32)
    }

    /// The combined evaluations must be the separate ones bit for bit: the engine reads its intervals
    /// from one and the plane offsets' branch and bound from the other.
    @Test func combinedRangesAreTheSeparateOnes() {
        let factors: [any ProductFactor.Type] = [Tanh.self, Sigmoid.self, Identity.self]
        for (l, u) in testIntervals(count: 2000, seed: 9) {
            for op in Self.operators {
                let (range, relaxation) = op.rangeAndRelaxations(lower: l, upper: u)
                #expect(range == op.range(lower: l, upper: u) && relaxation == op.relaxations(lower: l, upper: u), "\(op.name) on [\(l), \(u)]")
            }
            for factor in factors {
                #expect(factor.relax(lower: l, upper: u, ends: (factor.sample(l), factor.sample(u))) == factor.relax(lower: l, upper: u),
                        "\(factor.name) lines from samples on [\(l), \(u)]")
                let (value, slope) = factor.ranges(lower: l, upper: u, ends: (factor.sample(l), factor.sample(u)))
                let (low, high) = factor.range(lower: l, upper: u)
                let derivative = factor.derivativeRange(lower: l, upper: u)
                #expect(value.low == low && value.high == high && slope.low == derivative.low && slope.high == derivative.high,
                        "\(factor.name) on [\(l), \(u)]")
            }
        }
    }

    @Test func sShapedLinesTouchTheCurveOnOneSidedIntervals() {
        // A tangent at the midpoint and a chord: both meet the function somewhere on [l, u].
        for (l, u) in [(0.5, 2.0), (-3.0, -0.2), (1.0, 1.5)] {
            let lines = Tanh.relax(lower: l, upper: u)
            var gapLower = Double.infinity, gapUpper = Double.infinity
            for k in 0...1000 {
                let x = l + (u - l) * Double(k) / 1000
                gapLower = min(gapLower, Tanh.value(x) - (lines.lowerSlope * x + lines.lowerIntercept))
                gapUpper = min(gapUpper, lines.upperSlope * x + lines.upperIntercept - Tanh.value(x))
            }
            #expect(gapLower < 1e-6 && gapUpper < 1e-6)
        }
    }
}

/// Boxes that stress a plane construction.
private func testBoxes(count: Int, seed: UInt64) -> [Box] {
    let fixed = [Box(xl: 0, xu: 0, yl: 0, yu: 0), Box(xl: -1e-12, xu: 1e-12, yl: 3, yu: 3 + 1e-12),
                 Box(xl: -60, xu: 60, yl: -60, yu: 60), Box(xl: 15, xu: 30, yl: -2, yu: 2), Box(xl: -30, xu: -15, yl: -2, yu: 2),
                 Box(xl: -2, xu: 2, yl: 20, yu: 40), Box(xl: 1, xu: 1, yl: -5, yu: 5), Box(xl: -5, xu: 5, yl: 0.5, yu: 0.5),
                 Box(xl: -1e-3, xu: 1e-3, yl: -1e-3, yu: 1e-3)]
    let intervals = testIntervals(count: 2 * count, seed: seed)
    return fixed + (0..<count).map { k in
        let (xl, xu) = intervals[2 * k], (yl, yu) = intervals[2 * k + 1]
        return Box(xl: xl, xu: xu, yl: yl, yu: yu)
    }
}

/// Points of a box: a 13 x 13 grid with the corners plus 60 random points.
private func points(of box: Box, rng: inout SplitMix64) -> [(Double, Double)] {
    var samples: [(Double, Double)] = []
    for i in 0...12 {
        for j in 0...12 {
            samples.append((box.xl + (box.xu - box.xl) * Double(i) / 12, box.yl + (box.yu - box.yl) * Double(j) / 12))
        }
    }
    for _ in 0..<60 {
        samples.append((Double.random(in: box.xl...box.xu, using: &rng), Double.random(in: box.yl...box.yu, using: &rng)))
    }
    return samples
}

@Suite("2D planes are sound on dense grids")
struct PlaneRelaxationTests {
    static let operators: [any BinaryOperator.Type] = [SigmoidTanhProduct.self, SigmoidLinearProduct.self,
                                                       ComplementSigmoidProduct.self]

    /// f from its factors' samples is f, bit for bit: the range, the least-squares plane and the plane
    /// offsets read f off samples shared across a neuron's planes.
    @Test func valuesFromSamplesAreTheValues() {
        var rng = SplitMix64(seed: 21)
        for op in Self.operators {
            for box in testBoxes(count: 300, seed: 400) {
                for (x, y) in points(of: box, rng: &rng) {
                    #expect(op.value(x: op.sample(x: x), y: op.sample(y: y)) == op.value(x, y), "\(op.name) at (\(x), \(y))")
                }
            }
        }
    }

    /// Every candidate plane (the defaults and all the margin optimizer may mix) encloses f on a 13 x 13
    /// grid plus random points of each box.
    @Test(arguments: 0..<3)
    func planesEncloseTheSurface(operatorIndex: Int) {
        let op = Self.operators[operatorIndex]
        var rng = SplitMix64(seed: 5)
        for box in testBoxes(count: 1500, seed: UInt64(100 + operatorIndex)) {
            let choices = op.relaxations(on: box)
            #expect(op.relax(on: box) == PlaneBounds(lower: choices.lower[0], upper: choices.upper[0]))
            for (x, y) in points(of: box, rng: &rng) {
                let f = op.value(x, y)
                let tolerance = 1e-12 * max(1, abs(x), abs(y))
                for plane in choices.lower { #expect(plane(x, y) <= f + tolerance, "\(op.name) lower plane on \(box) at (\(x), \(y))") }
                for plane in choices.upper { #expect(plane(x, y) >= f - tolerance, "\(op.name) upper plane on \(box) at (\(x), \(y))") }
            }
        }
    }

    /// The default planes score at least as well as the McCormick envelopes they start from, which stay
    /// among the candidates with their verified offsets applied.
    @Test(arguments: 0..<3)
    func defaultPlanesScoreAtLeastAsWellAsMcCormick(operatorIndex: Int) {
        let op = Self.operators[operatorIndex]
        for box in testBoxes(count: 300, seed: UInt64(200 + operatorIndex)) {
            let choices = op.relaxations(on: box)
            let (lower, upper) = op.candidatePlanes(on: box, ends: op.ends(of: box))
            let slack = 1e-9 * max(1, abs(box.yl), abs(box.yu))
            for candidate in lower {
                #expect(Relaxation.score(choices.lower[0], on: box, lower: true) >= Relaxation.score(candidate, on: box, lower: true) - slack)
            }
            for candidate in upper {
                #expect(Relaxation.score(choices.upper[0], on: box, lower: false) >= Relaxation.score(candidate, on: box, lower: false) - slack)
            }
        }
    }

    @Test func verifiedMinimumIsBelowAndCloseToTheSampledMinimum() {
        var rng = SplitMix64(seed: 77)
        for box in testBoxes(count: 400, seed: 300) where box.xu > box.xl && box.yu > box.yl {
            let plane = Plane(a: rng.normal() * 0.3, b: rng.normal() * 0.3, c: rng.normal())
            let samples = VerifiedMinimum.BoxSamples(SigmoidTanhProduct.self, on: box, ends: SigmoidTanhProduct.ends(of: box))
            for sign in [1.0, -1.0] {
                let bound = VerifiedMinimum.of(SigmoidTanhProduct.self, minus: plane, sign: sign, on: samples, tolerance: 1e-9)
                var sampled = Double.infinity
                for i in 0...200 {
                    for j in 0...200 {
                        let x = box.xl + (box.xu - box.xl) * Double(i) / 200, y = box.yl + (box.yu - box.yl) * Double(j) / 200
                        sampled = min(sampled, sign * (SigmoidTanhProduct.value(x, y) - plane(x, y)))
                    }
                }
                #expect(bound <= sampled + 1e-12)
                // The grid itself misses the true minimum by a little on wide boxes.
                #expect(sampled - bound <= 1e-3 * max(1, box.xu - box.xl, box.yu - box.yl))
            }
        }
    }
}

/// The default `range` of both operator protocols reads the range off the ends (corners), which is only
/// right for monotone functions: the protocols require it, and this checks every operator on a grid.
@Suite("Operators are monotone where their range assumes it")
struct OperatorMonotonicityTests {
    static let grid = (0...800).map { -20 + 40 * Double($0) / 800 }

    /// Non-decreasing (`direction` 1) or non-increasing (-1) along `values`, up to rounding.
    static func isMonotone(_ values: [Double]) -> Bool {
        let steps = zip(values.dropFirst(), values).map { $0 - $1 }
        let tolerance = 1e-15
        return steps.allSatisfy { $0 >= -tolerance } || steps.allSatisfy { $0 <= tolerance }
    }

    @Test func unaryOperatorsAreNonDecreasing() {
        for op in UnaryRelaxationTests.operators {
            let values = Self.grid.map(op.value)
            #expect(zip(values.dropFirst(), values).allSatisfy { $0 >= $1 }, "\(op.name) is not non-decreasing")
        }
    }

    @Test func binaryOperatorsAreMonotoneInEachArgument() {
        for op in PlaneRelaxationTests.operators {
            for fixed in Self.grid where Int(fixed * 20) % 7 == 0 {
                #expect(Self.isMonotone(Self.grid.map { op.value($0, fixed) }), "\(op.name) in x at y = \(fixed)")
                #expect(Self.isMonotone(Self.grid.map { op.value(fixed, $0) }), "\(op.name) in y at x = \(fixed)")
            }
        }
    }
}

/// The parallel bands of the zonotope method (`ParallelBand`): every point of every test interval or box
/// lies within the band, and a one-variable band is no wider than the function's own spread about its
/// slope (DeepZ's band is exact at the interval's ends).
@Suite("Parallel bands are sound on dense grids")
struct ParallelBandTests {
    static let unary: [any UnaryOperator.Type] = [Tanh.self, Sigmoid.self, ReLU.self, Identity.self]
    static let binary: [any BinaryOperator.Type] = [SigmoidTanhProduct.self, SigmoidLinearProduct.self,
                                                    ComplementSigmoidProduct.self]

    @Test(arguments: 0..<4)
    func aBandEnclosesTheFunction(operatorIndex: Int) {
        let op = Self.unary[operatorIndex]
        var rng = SplitMix64(seed: 17)
        for (l, u) in testIntervals(count: 3000, seed: UInt64(200 + operatorIndex)) {
            let band = op.parallelBand(lower: l, upper: u)
            #expect(band.slopeY == 0 && band.halfWidth >= 0)
            var low = Double.infinity, high = -Double.infinity
            // 0 as well: where ReLU's kink puts the smallest value of max(0, x) - slope x. And where f' is
            // the band's slope: the chord band touches the function there, between grid points.
            let touching = ((op as? any ProductFactor.Type)?.points(withDerivative: band.slopeX) ?? []).filter { l <= $0 && $0 <= u }
            for x in points(l, u, rng: &rng) + (l < 0 && u > 0 ? [0] : []) + touching {
                let gap = op.value(x) - (band.slopeX * x + band.intercept)
                // The test's own arithmetic rounds too: a few ulps of the terms it combined.
                let rounding = 4e-16 * (abs(op.value(x)) + abs(band.slopeX * x) + abs(band.intercept))
                #expect(abs(gap) <= band.halfWidth + rounding, "\(op.name) band on [\(l), \(u)] at \(x): \(gap) vs \(band.halfWidth)")
                low = min(low, op.value(x) - band.slopeX * x)
                high = max(high, op.value(x) - band.slopeX * x)
            }
            let scale = 1 + abs(op.value(l)) + abs(op.value(u)) + abs(band.slopeX) * (abs(l) + abs(u))
            #expect(band.halfWidth <= (high - low) / 2 + 1e-11 * scale, "\(op.name) band on [\(l), \(u)] is loose")
        }
    }

    /// Across 0 the chord's slope gives a far narrower band than DeepZ's smallest derivative: tanh on
    /// [-2, 2] has half-width 0.28 (at x = 0.91, where tanh' is the chord's slope) against 0.82. On a
    /// convex or concave piece no band is narrower than the chord's, so DeepZ's is never chosen there.
    @Test func theChordBandIsNarrowerThanDeepZs() {
        let wide = Tanh.parallelBand(lower: -2, upper: 2)
        #expect(abs(wide.slopeX - tanh(2) / 2) < 1e-12)
        #expect(wide.halfWidth > 0.28 && wide.halfWidth < 0.283, "\(wide)")
        #expect(Tanh.band(slope: Tanh.derivative(2) * (1 - 1e-12), lower: -2, upper: 2, values: (Tanh.value(-2), Tanh.value(2))).halfWidth > 0.82)
        for (l, u) in testIntervals(count: 3000, seed: 250) where u > l {
            for op in [Tanh.self, Sigmoid.self] as [any SShapedFunction.Type] {
                let smallest = op.derivativeRange(lower: l, upper: u).low * (1 - 1e-12)
                let deepZ = op.band(slope: max(0, smallest), lower: l, upper: u, values: (op.value(l), op.value(u)))
                #expect(op.parallelBand(lower: l, upper: u).halfWidth <= deepZ.halfWidth, "\(op.name) on [\(l), \(u)]")
            }
        }
    }

    @Test(arguments: 0..<3)
    func aBandEnclosesTheSurface(operatorIndex: Int) {
        let op = Self.binary[operatorIndex]
        var rng = SplitMix64(seed: 19)
        for box in testBoxes(count: 1500, seed: UInt64(300 + operatorIndex)) {
            let band = op.parallelBand(on: box)
            #expect(band.halfWidth >= 0)
            for (x, y) in points(of: box, rng: &rng) {
                let f = op.value(x, y)
                let middle = band.slopeX * x + band.slopeY * y + band.intercept
                let rounding = 4e-16 * (abs(f) + abs(band.slopeX * x) + abs(band.slopeY * y) + abs(band.intercept))
                #expect(abs(f - middle) <= band.halfWidth + rounding, "\(op.name) band on \(box) at (\(x), \(y))")
            }
        }
    }
}
