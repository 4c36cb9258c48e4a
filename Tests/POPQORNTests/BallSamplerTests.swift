import Testing
import SequenceModels
import POPQORN

struct BallSamplerTests {
    static let selections: [FrameSelection] = [.all, .step(2), .window(1, 3)]

    @Test(arguments: Norm.allCases, selections)
    func sampledPointsLieInTheSet(norm: Norm, frames: FrameSelection) {
        let centre = SequenceClassifier.randomSequence(length: 5, inputSize: 6, seed: 1)
        let perturbation = Perturbation(norm: norm, frames: frames)
        let eps = 0.3
        var sampler = BallSampler(centre: centre, perturbation: perturbation, epsilon: eps, seed: 2)
        var interiorNorms: [Double] = []
        for _ in 0..<100 {
            let inside = sampler.interiorPoint()
            let boundary = sampler.boundaryPoint()
            for point in [inside, boundary] {
                #expect(perturbation.contains(point, centre: centre, epsilon: eps))
                for t in centre.indices where !frames.contains(t) { #expect(point[t] == centre[t]) }
            }
            for t in centre.indices where frames.contains(t) {
                let change = { (point: [[Double]]) in norm.length(zip(point[t], centre[t]).map { $0 - $1 }) }
                #expect(abs(change(boundary) - eps) <= 1e-12 * eps, "boundary frame \(t) at \(change(boundary))")
                interiorNorms.append(change(inside))
            }
        }
        // Uniform in a 6-dimensional ball: the norm is eps * U^(1/6), spread over (0, eps), mean 6/7 eps.
        let mean = interiorNorms.reduce(0, +) / Double(interiorNorms.count)
        #expect(mean > 0.7 * eps && mean < 0.95 * eps)
        #expect(interiorNorms.min()! < 0.7 * eps)
    }

    @Test func samplesAreReproducible() {
        let centre = SequenceClassifier.randomSequence(length: 3, inputSize: 4, seed: 3)
        let perturbation = Perturbation(norm: .l1)
        var first = BallSampler(centre: centre, perturbation: perturbation, epsilon: 0.1, seed: 9)
        var second = BallSampler(centre: centre, perturbation: perturbation, epsilon: 0.1, seed: 9)
        #expect(first.boundaryPoint() == second.boundaryPoint())
        #expect(first.interiorPoint() == second.interiorPoint())
    }

    @Test func l1BoundaryPointsIncludeVerticesAndSpherePoints() {
        let centre = [[Double](repeating: 0, count: 5)]
        var sampler = BallSampler(centre: centre, perturbation: Perturbation(norm: .l1), epsilon: 1, seed: 4)
        let supports = (0..<60).map { _ in sampler.boundaryPoint()[0].filter { $0 != 0 }.count }
        #expect(supports.contains(1))
        #expect(supports.contains(5))
    }

    @Test(arguments: Norm.allCases)
    func projectionIsTheClosestPointOfTheBall(norm: Norm) {
        let radius = 0.5
        var rng = SplitMix64(seed: 11)
        var sampler = BallSampler(centre: [[Double](repeating: 0, count: 6)], perturbation: Perturbation(norm: norm),
                                  epsilon: radius, seed: 12)
        let ballPoints = (0..<1000).map { i in i.isMultiple(of: 2) ? sampler.interiorPoint()[0] : sampler.boundaryPoint()[0] }
        func distance(_ a: [Double], _ b: [Double]) -> Double { Norm.l2.length(zip(a, b).map { $0 - $1 }) }

        for trial in 0..<40 {
            // Scales from well inside to far outside the ball.
            let scale = [0.02, 0.2, 1, 5][trial % 4]
            let v = (0..<6).map { _ in scale * rng.normal() }
            let projected = BallSampler.project(v, norm: norm, radius: radius)
            #expect(norm.length(projected) <= radius * (1 + 1e-12))
            if norm.length(v) <= radius {
                #expect(projected == v)
            } else {
                #expect(abs(norm.length(projected) - radius) <= 1e-12 * radius)
            }
            let nearest = distance(v, projected)
            #expect(ballPoints.allSatisfy { distance(v, $0) >= nearest - 1e-12 })
        }
    }

    @Test func l1ProjectionSoftThresholds() {
        // |v| = (3, 1, 0.2) onto radius 2: theta = (3 + 1 - 2) / 2 = 1 keeps (2, 0, 0).
        #expect(BallSampler.project([3, -1, 0.2], norm: .l1, radius: 2) == [2, 0, 0])
        #expect(BallSampler.project([1, -1], norm: .l1, radius: 1) == [0.5, -0.5])
        #expect(BallSampler.project([4, -3], norm: .l1, radius: 0) == [0, 0])
    }
}
