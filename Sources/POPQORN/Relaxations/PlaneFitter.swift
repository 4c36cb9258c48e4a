import SequenceModels

/// Builds sound planes for a cross-nonlinearity at a fixed cost per neuron: a few candidate planes, each
/// moved by a verified offset until it is sound, ordered by `Relaxation.score`.
///
/// Soundness does not depend on how a candidate was chosen: a lower candidate P becomes P + m with m a
/// verified lower bound of min (f - P) over the box (`VerifiedMinimum`), so f >= P + m everywhere on the
/// box; likewise for upper planes. The McCormick candidates are already sound and the offset can only
/// raise them; the least-squares plane through a grid of f values is usually tighter after its shift.
/// The best-scored plane is the default the passes use; the others stay available to the margin optimizer.
public enum PlaneFitter {
    /// The verified candidates and the constant range, each side ordered by `Relaxation.score`.
    public static func relaxations<F: BinaryOperator>(_ f: F.Type, on box: Box) -> Relaxation {
        relaxations(f, on: box, fitted: true)
    }

    /// The candidates that are sound by construction (McCormick envelopes through the factors' 1D lines)
    /// and the constant range, without the least-squares plane and without verified offsets: several
    /// times cheaper, for the fast rungs of a certifier ladder.
    public static func quickRelaxations<F: BinaryOperator>(_ f: F.Type, on box: Box) -> Relaxation {
        relaxations(f, on: box, fitted: false)
    }

    /// `F.range` and the planes (`relaxations` or, unless `fitted`, `quickRelaxations`) from one
    /// evaluation of the range.
    @_specialize(where F == SigmoidTanhProduct)
    @_specialize(where F == SigmoidLinearProduct)
    @_specialize(where F == ComplementSigmoidProduct)
    static func rangeAndRelaxations<F: BinaryOperator>(_ f: F.Type, on box: Box, fitted: Bool) -> (range: (Double, Double), relaxation: Relaxation) {
        let ends = f.ends(of: box)
        let range = f.range(on: box, ends: ends)
        return (range, relaxations(f, on: box, ends: ends, range: range, fitted: fitted))
    }

    private static func relaxations<F: BinaryOperator>(_ f: F.Type, on box: Box, fitted: Bool) -> Relaxation {
        rangeAndRelaxations(f, on: box, fitted: fitted).relaxation
    }

    /// The planes on `box`, whose factors' end samples are `ends` and range `range`: every candidate and
    /// every offset starts from the same samples.
    private static func relaxations<F: BinaryOperator>(_ f: F.Type, on box: Box, ends: BoxEnds, range: (Double, Double),
                                                       fitted: Bool) -> Relaxation {
        let (low, high) = range
        let scale = max(1, abs(low), abs(high))
        // Rounding allowance of a plane: evaluating it (and f - P in the offsets) loses a few ulps of its
        // largest term, which for a steep plane on a thin box can be far larger than f itself.
        let (reachX, reachY) = (max(abs(box.xl), abs(box.xu)), max(abs(box.yl), abs(box.yu)))
        func slack(_ plane: Plane) -> Double {
            16 * Double.ulpOfOne * (scale * max(1, reachX, reachY) + abs(plane.a) * reachX + abs(plane.b) * reachY + abs(plane.c))
        }
        let constantLower = Plane(a: 0, b: 0, c: low - slack(Plane(a: 0, b: 0, c: low))),
            constantUpper = Plane(a: 0, b: 0, c: high + slack(Plane(a: 0, b: 0, c: high)))
        let widthX = box.xu - box.xl, widthY = box.yu - box.yl
        // A point box (an unperturbed or saturated neuron): the constant range is exact.
        if widthX <= 1e-12 * max(1, abs(box.xl)) && widthY <= 1e-12 * max(1, abs(box.yl)) {
            return Relaxation(lower: [constantLower], upper: [constantUpper])
        }
        let (lowerCandidates, upperCandidates) = f.candidatePlanes(on: box, ends: ends)
        guard fitted else {
            // Sound as they stand; only the rounding allowance is taken off.
            var quick = Relaxation(lower: [constantLower] + lowerCandidates.map { Plane(a: $0.a, b: $0.b, c: $0.c - slack($0)) },
                                   upper: [constantUpper] + upperCandidates.map { Plane(a: $0.a, b: $0.b, c: $0.c + slack($0)) })
            quick.order(on: box)
            return quick
        }
        let fitted = leastSquaresPlane(f, on: box, ends: ends)
        let tolerance = 1e-7 * scale
        let samples = VerifiedMinimum.BoxSamples(f, on: box, ends: ends)
        // (candidate, already sound): a sound candidate is only ever moved towards f.
        var lower = [constantLower]
        for (candidate, sound) in lowerCandidates.map({ ($0, true) }) + [(fitted, false)] {
            var plane = candidate
            let gap = VerifiedMinimum.of(f, minus: candidate, sign: 1, on: samples, tolerance: tolerance)
            plane.c += (sound ? max(0, gap) : gap) - slack(plane)
            lower.append(plane)
        }
        var upper = [constantUpper]
        for (candidate, sound) in upperCandidates.map({ ($0, true) }) + [(fitted, false)] {
            var plane = candidate
            let gap = VerifiedMinimum.of(f, minus: candidate, sign: -1, on: samples, tolerance: tolerance)
            plane.c -= (sound ? max(0, gap) : gap) - slack(plane)
            upper.append(plane)
        }
        var relaxation = Relaxation(lower: lower, upper: upper)
        relaxation.order(on: box)
        return relaxation
    }

    /// The least-squares plane through f on a 3 x 3 grid spanning the box. On a tensor grid the x and y
    /// samples are uncorrelated, so each slope is a one-dimensional regression. f on the grid comes from
    /// the factors sampled on its lines (the box's own ends where the grid reaches them exactly).
    static func leastSquaresPlane<F: BinaryOperator>(_ f: F.Type, on box: Box, ends: BoxEnds) -> Plane {
        let n = 3
        let xs = (0..<n).map { box.xl + (box.xu - box.xl) * Double($0) / Double(n - 1) }
        let ys = (0..<n).map { box.yl + (box.yu - box.yl) * Double($0) / Double(n - 1) }
        let xSamples = xs.map { $0 == box.xl ? ends.x.0 : $0 == box.xu ? ends.x.1 : f.sample(x: $0) }
        let ySamples = ys.map { $0 == box.yl ? ends.y.0 : $0 == box.yu ? ends.y.1 : f.sample(y: $0) }
        let (mx, my) = box.centre
        var sum = 0.0, sumX = 0.0, sumY = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let v = f.value(x: xSamples[i], y: ySamples[j])
                sum += v
                sumX += (xs[i] - mx) * v
                sumY += (ys[j] - my) * v
            }
        }
        let varianceX = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } * Double(n)
        let varianceY = ys.reduce(0) { $0 + ($1 - my) * ($1 - my) } * Double(n)
        let a = varianceX > 0 ? sumX / varianceX : 0
        let b = varianceY > 0 ? sumY / varianceY : 0
        return Plane(a: a, b: b, c: sum / Double(n * n) - a * mx - b * my)
    }
}
