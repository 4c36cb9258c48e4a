import Foundation
import SequenceModels

/// Seeded random points of a perturbation set `{ X + D : ||D_t||_p <= eps for selected t, D_t = 0 otherwise }`:
/// starting points for attacks and probes for tests. Unselected frames are always copied from the centre.
public struct BallSampler: Sendable {
    /// The unperturbed sequence, T x input_size.
    public let centre: [[Double]]
    /// Which frames move, and in which l_p ball.
    public let perturbation: Perturbation
    /// The radius of every selected frame's ball.
    public let epsilon: Double
    private var generator: SplitMix64

    public init(centre: [[Double]], perturbation: Perturbation, epsilon: Double, seed: UInt64) {
        precondition(epsilon >= 0 && epsilon.isFinite, "epsilon must be finite and >= 0, found \(epsilon)")
        self.centre = centre
        self.perturbation = perturbation
        self.epsilon = epsilon
        self.generator = SplitMix64(seed: seed)
    }

    /// A point drawn uniformly from the set: each selected frame uniformly from its own ball.
    public mutating func interiorPoint() -> [[Double]] {
        point { sampler, dimension in sampler.interiorOffset(dimension) }
    }

    /// A point with every selected frame on its ball's boundary (`||D_t||_p = eps`): l_inf corners, uniform
    /// l_2 directions, and for l_1 either a signed vertex `+-eps e_i` or a uniform point of the l_1 sphere.
    /// Extreme points are where a classifier's margin tends to be smallest.
    public mutating func boundaryPoint() -> [[Double]] {
        point { sampler, dimension in sampler.boundaryOffset(dimension) }
    }

    /// The Euclidean projection of `delta` onto the l_p ball of `radius` about the origin: the ball's closest
    /// point. Points inside are returned unchanged.
    public static func project(_ delta: [Double], norm: Norm, radius: Double) -> [Double] {
        switch norm {
        case .linf:
            return delta.map { min(max($0, -radius), radius) }
        case .l2:
            let length = norm.length(delta)
            return length <= radius ? delta : delta.map { $0 * (radius / length) }
        case .l1:
            return projectOntoL1Ball(delta, radius: radius)
        }
    }

    /// Duchi, Shalev-Shwartz, Singer and Chandra (2008): the projection soft-thresholds |delta| by the theta
    /// that brings the l_1 norm down to `radius`, found from the magnitudes sorted in decreasing order.
    private static func projectOntoL1Ball(_ delta: [Double], radius: Double) -> [Double] {
        guard Norm.l1.length(delta) > radius else { return delta }
        let magnitudes = delta.map(abs).sorted(by: >)
        var cumulative = 0.0
        var theta = 0.0
        for (j, u) in magnitudes.enumerated() {
            cumulative += u
            let candidate = (cumulative - radius) / Double(j + 1)
            // The support is the longest prefix whose entries stay above their threshold; the largest entry
            // always belongs to it (for radius 0 only as the equality u = theta, which zeroes everything).
            guard j == 0 || u > candidate else { break }
            theta = candidate
        }
        return delta.map { v in
            let shrunk = max(abs(v) - theta, 0)
            return v < 0 ? -shrunk : shrunk
        }
    }

    private mutating func point(_ offset: (inout BallSampler, Int) -> [Double]) -> [[Double]] {
        var result = centre
        for t in centre.indices where perturbation.frames.contains(t) {
            let d = offset(&self, centre[t].count)
            for k in d.indices { result[t][k] += d[k] }
        }
        return result
    }

    private mutating func interiorOffset(_ dimension: Int) -> [Double] {
        switch perturbation.norm {
        case .linf:
            return (0..<dimension).map { _ in Double.random(in: -epsilon...epsilon, using: &generator) }
        case .l2:
            // A uniform direction at a radius with density ~ r^(d-1).
            let radius = epsilon * pow(Double.random(in: 0..<1, using: &generator), 1 / Double(dimension))
            return scaled(gaussian(dimension), toLength: radius, norm: .l2)
        case .l1:
            // The first d of d+1 normalised exponentials are uniform on the simplex {x >= 0, sum x <= 1}.
            let weights = exponentials(dimension + 1)
            let total = weights.reduce(0, +)
            return weights.prefix(dimension).map { randomSign() * epsilon * $0 / total }
        }
    }

    private mutating func boundaryOffset(_ dimension: Int) -> [Double] {
        switch perturbation.norm {
        case .linf:
            return (0..<dimension).map { _ in randomSign() * epsilon }
        case .l2:
            return scaled(gaussian(dimension), toLength: epsilon, norm: .l2)
        case .l1:
            if Bool.random(using: &generator) {
                var vertex = [Double](repeating: 0, count: dimension)
                vertex[Int.random(in: 0..<dimension, using: &generator)] = randomSign() * epsilon
                return vertex
            }
            return scaled(exponentials(dimension).map { randomSign() * $0 }, toLength: epsilon, norm: .l1)
        }
    }

    private func scaled(_ v: [Double], toLength length: Double, norm: Norm) -> [Double] {
        let current = norm.length(v)
        return current > 0 ? v.map { $0 * (length / current) } : v
    }

    private mutating func gaussian(_ count: Int) -> [Double] {
        (0..<count).map { _ in generator.normal() }
    }

    private mutating func exponentials(_ count: Int) -> [Double] {
        (0..<count).map { _ in -log(Double.random(in: Double.ulpOfOne..<1, using: &generator)) }
    }

    private mutating func randomSign() -> Double {
        Bool.random(using: &generator) ? 1 : -1
    }
}
