import SequenceModels

/// A box's factors sampled at its ends (`BinaryOperator.sample(x:)`, `sample(y:)`): what a product's
/// range, candidate planes and plane offsets on that box all start from, evaluated once per neuron.
public struct BoxEnds: Sendable {
    public var x: (FactorSample, FactorSample)
    public var y: (FactorSample, FactorSample)
}

/// A cross-nonlinearity f(x, y) the bound engine relaxes by two planes on a box. Each conforming type is
/// one file in `Operators/`; the plane construction itself is shared (`PlaneFitter`).
///
/// Requirement: f is monotone in each argument when the other is fixed, unless the type overrides
/// `range` (the default reads the range off the box's corners). `RelaxationTests` checks every operator.
public protocol BinaryOperator: PairwiseFunction {
    /// f's x and y factors sampled at one coordinate each (`FactorSample`).
    static func sample(x: Double) -> FactorSample
    static func sample(y: Double) -> FactorSample
    /// f from its factors' samples, bit for bit `value(x, y)`.
    static func value(x: FactorSample, y: FactorSample) -> Double
    /// Enclosures of df/dx and df/dy over a box, from the samples at its ends: what makes the plane
    /// offsets verifiable. A branch and bound that halves a cell samples only the new midpoint.
    static func partials(on box: Box, ends: BoxEnds) -> (dx: Interval, dy: Interval)
    /// Planes that are sound by construction (McCormick envelopes through 1D relaxations): the fitter
    /// starts from them and from a least-squares plane, and verifies every offset anyway.
    static func candidatePlanes(on box: Box, ends: BoxEnds) -> (lower: [Plane], upper: [Plane])
    /// The x of an edge y = const where df/dx = `slope`, given the y factor's sample there (a box's ends
    /// are sampled once, `BoxEnds`); with the corners, where f - plane can have an extremum along that edge.
    static func criticalXs(onEdge y: FactorSample, slope: Double) -> [Double]
    /// The y of an edge x = const where df/dy = `slope`, given the x factor's sample there.
    static func criticalYs(onEdge x: FactorSample, slope: Double) -> [Double]
    /// False when f - plane can have no local extremum inside a box (its Hessian is indefinite
    /// everywhere), so the box boundary holds every extremum.
    static var hasInteriorExtrema: Bool { get }
    /// Sound planes on the box.
    static func relax(on box: Box) -> PlaneBounds
    /// Every sound plane worth offering the margin optimizer, `relax`'s first.
    static func relaxations(on box: Box) -> Relaxation
    /// Sound planes that are cheap to build (no fitting, no verified offsets), best first.
    static func quickRelaxations(on box: Box) -> Relaxation
    /// The exact range on the box.
    static func range(on box: Box, ends: BoxEnds) -> (Double, Double)
    /// `range` with `relaxations` (`fitted`) or `quickRelaxations`, the range evaluated once for both.
    static func rangeAndRelaxations(on box: Box, fitted: Bool) -> (range: (Double, Double), relaxation: Relaxation)
    /// A sound parallel band on the box (`ParallelBand`), for the zonotope method.
    static func parallelBand(on box: Box) -> ParallelBand
}

extension BinaryOperator {
    /// The factors sampled at the box's ends.
    public static func ends(of box: Box) -> BoxEnds {
        BoxEnds(x: (sample(x: box.xl), sample(x: box.xu)), y: (sample(y: box.yl), sample(y: box.yu)))
    }

    public static func relax(on box: Box) -> PlaneBounds {
        let choices = relaxations(on: box)
        return PlaneBounds(lower: choices.lower[0], upper: choices.upper[0])
    }

    public static func relaxations(on box: Box) -> Relaxation { PlaneFitter.relaxations(Self.self, on: box) }

    public static func quickRelaxations(on box: Box) -> Relaxation { PlaneFitter.quickRelaxations(Self.self, on: box) }

    public static func rangeAndRelaxations(on box: Box, fitted: Bool) -> (range: (Double, Double), relaxation: Relaxation) {
        PlaneFitter.rangeAndRelaxations(Self.self, on: box, fitted: fitted)
    }

    /// The corners' extremes: the range of a function monotone in each argument.
    public static func range(on box: Box, ends: BoxEnds) -> (Double, Double) {
        let corners = (value(x: ends.x.0, y: ends.y.0), value(x: ends.x.0, y: ends.y.1), value(x: ends.x.1, y: ends.y.0),
                       value(x: ends.x.1, y: ends.y.1))
        return (min(min(corners.0, corners.1), min(corners.2, corners.3)), max(max(corners.0, corners.1), max(corners.2, corners.3)))
    }
}
