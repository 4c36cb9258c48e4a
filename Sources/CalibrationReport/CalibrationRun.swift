import Dispatch
import POPQORN
import SequenceModels
import Synchronization

/// How a data set is certified for a report.
public struct CalibrationSettings: Sendable, Equatable {
    /// The ball every example is certified over (norm and perturbed frames).
    public var perturbation: Perturbation
    /// Per-example budget: the anytime ladder (`ladder`) and the best radius proven in this many ms; nil:
    /// the default certifier's full radius search (`Certifier(model:)`).
    public var budgetMilliseconds: Double?
    /// The rungs of the anytime ladder a budget climbs (the served policy's, to report what it proves).
    public var ladder: [CertifierRung]
    /// Relative tolerance of every radius search.
    public var tolerance: Double
    /// How many examples get a PGD attack radius beside their certified one.
    public var attackSample: Int
    /// How many examples get per-frame radii (a sensitivity map).
    public var sensitivitySample: Int

    public init(perturbation: Perturbation, budgetMilliseconds: Double? = nil, ladder: [CertifierRung] = CertifierRung.standardLadder,
                tolerance: Double = 1e-3, attackSample: Int = 40, sensitivitySample: Int = 12) {
        self.perturbation = perturbation
        self.budgetMilliseconds = budgetMilliseconds
        self.ladder = ladder
        self.tolerance = tolerance
        self.attackSample = attackSample
        self.sensitivitySample = sensitivitySample
    }
}

/// One certified example: the model's prediction on it and the certified radius of that prediction.
public struct ExampleResult: Sendable, Equatable {
    /// The data file's line.
    public let line: Int
    public let label: Int
    public let predicted: Int
    /// The largest radius proven for the predicted class (0 when even the centre is a tie).
    public let radius: Double
    /// False when the budget stopped the search: `radius` is proven, a larger one may be too.
    public let complete: Bool
    public let seconds: Double

    public init(line: Int, label: Int, predicted: Int, radius: Double, complete: Bool = true, seconds: Double = 0) {
        self.line = line
        self.label = label
        self.predicted = predicted
        self.radius = radius
        self.complete = complete
        self.seconds = seconds
    }

    public var correct: Bool { predicted == label }
}

/// The certified radius of a sampled example beside the smallest radius a PGD attack found a
/// counterexample at (nil: none up to the attack's limit). The true minimum adversarial distortion lies
/// between the two.
public struct AttackGap: Sendable, Equatable {
    /// Index into `CalibrationRun.results`.
    public let example: Int
    public let certified: Double
    public let attack: Double?
}

/// The certified radius of every single frame of a sampled example (POPQORN's sensitivity).
public struct FrameSensitivity: Sendable, Equatable {
    /// Index into `CalibrationRun.results` (and the data set's examples).
    public let example: Int
    public let frameRadii: [Double]
}

/// A data set certified example by example on every core.
public struct CalibrationRun: Sendable {
    public let settings: CalibrationSettings
    /// One per certified example, in data-set order.
    public let results: [ExampleResult]
    /// Examples the certifier refused (a frame selection beyond a short sequence), with their lines.
    public let failures: [DataSetError]
    public let attacks: [AttackGap]
    public let sensitivities: [FrameSensitivity]
    /// Wall-clock time of the whole run.
    public let seconds: Double

    /// Certifies every example of `dataSet`, then attacks and maps the sensitivity of samples spread
    /// evenly over the radius order (smallest to largest). `progress(done, total)` is called after each
    /// piece of work, one call at a time. Without `skipBad`, an example the certifier refuses throws.
    public static func certify(_ dataSet: LabelledDataSet, model: SequenceClassifier, settings: CalibrationSettings,
                               skipBad: Bool, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(DataSetError) -> CalibrationRun {
        let clock = ContinuousClock()
        let start = clock.now
        let examples = dataSet.examples
        let certifier = Certifier(model: model)
        let ladder = CertifierLadder(model: model, rungs: settings.ladder)
        let perturbation = settings.perturbation
        let expected = workCount(examples: examples.count, settings: settings)
        let counter = ProgressCounter(total: expected, report: progress)

        let outcomes = parallelMap(examples.count, counter) { index -> Result<ExampleResult, DataSetError> in
            let example = examples[index]
            let begun = clock.now
            do {
                let predicted = try model.predict(example.sequence).label
                let search: RadiusSearch
                if let budget = settings.budgetMilliseconds {
                    search = try ladder.radius(example.sequence, label: predicted, perturbation: perturbation,
                                               tolerance: settings.tolerance,
                                               deadline: begun + .microseconds(Int64(budget * 1000)))
                } else {
                    search = try certifier.radius(example.sequence, label: predicted, perturbation: perturbation,
                                                  tolerance: settings.tolerance)
                }
                return .success(ExampleResult(line: example.line, label: example.label, predicted: predicted,
                                              radius: search.radius, complete: search.complete,
                                              seconds: (clock.now - begun).seconds))
            } catch {
                return .failure(.badInput(line: example.line, reason: "\(error)"))
            }
        }
        var collected: [ExampleResult] = []
        var sources: [LabelledDataSet.Example] = []
        var failures: [DataSetError] = []
        for (example, outcome) in zip(examples, outcomes) {
            switch outcome {
            case .success(let result):
                collected.append(result)
                sources.append(example)
            case .failure(let error):
                guard skipBad else { throw error }
                failures.append(error)
            }
        }
        guard !collected.isEmpty else { throw .noExamples(skipped: failures.count) }
        let results = collected, certified = sources

        // The samples: evenly spaced ranks of the radius order, so they run from fragile to robust.
        let order = results.indices.sorted { results[$0].radius < results[$1].radius }
        let attacked = spread(order, count: settings.attackSample)
        let mapped = spread(order, count: settings.sensitivitySample)
        // Samples smaller than planned (examples the certifier refused): count the work as done.
        counter.tick(expected - outcomes.count - attacked.count - mapped.count)
        let attack = PGDAttack(model: model)
        let gaps = parallelMap(attacked.count, counter) { k -> AttackGap in
            let index = attacked[k]
            let radius = attack.radius(certified[index].sequence, label: results[index].predicted, perturbation: perturbation)
            return AttackGap(example: index, certified: results[index].radius, attack: radius)
        }
        // A frame's radius is always searched with the default certifier: the budget is per example.
        let maps = parallelMap(mapped.count, counter) { k -> FrameSensitivity in
            let index = mapped[k]
            let frames = (try? certifier.sensitivity(certified[index].sequence, label: results[index].predicted,
                                                     norm: perturbation.norm, tolerance: settings.tolerance)) ?? []
            return FrameSensitivity(example: index, frameRadii: frames.map(\.radius))
        }
        return CalibrationRun(settings: settings, results: results, failures: failures, attacks: gaps,
                              sensitivities: maps, seconds: (clock.now - start).seconds)
    }

    /// The pieces of work `certify` reports progress in: one per example, attack and map.
    public static func workCount(examples: Int, settings: CalibrationSettings) -> Int {
        examples + min(settings.attackSample, examples) + min(settings.sensitivitySample, examples)
    }

    /// Builds a run from results computed elsewhere (tests, or a report re-rendered from its CSV).
    public init(settings: CalibrationSettings, results: [ExampleResult], failures: [DataSetError] = [],
                attacks: [AttackGap] = [], sensitivities: [FrameSensitivity] = [], seconds: Double = 0) {
        self.settings = settings
        self.results = results
        self.failures = failures
        self.attacks = attacks
        self.sensitivities = sensitivities
        self.seconds = seconds
    }
}

/// `count` elements of `sorted` at evenly spaced positions, first and last included, in order.
func spread(_ sorted: [Int], count: Int) -> [Int] {
    guard count > 0, !sorted.isEmpty else { return [] }
    guard count < sorted.count else { return sorted }
    if count == 1 { return [sorted[sorted.count / 2]] }
    return (0..<count).map { sorted[($0 * (sorted.count - 1) + (count - 1) / 2) / (count - 1)] }
}

/// Counts finished pieces of work across threads and reports them one call at a time.
private final class ProgressCounter: Sendable {
    private let total: Int
    private let done = Mutex(0)
    private let report: (@Sendable (Int, Int) -> Void)?

    init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.report = report
    }

    func tick(_ pieces: Int = 1) {
        guard pieces > 0 else { return }
        done.withLock { done in
            done += pieces
            report?(done, total)
        }
    }
}

/// `body(0..<count)` on every core (`DispatchQueue.concurrentPerform`), results in index order. Each
/// thread counts itself busy (`ComputeCores.occupying`), so certificates borrow no core another example uses.
private func parallelMap<T: Sendable>(_ count: Int, _ counter: ProgressCounter, _ body: @Sendable (Int) -> T) -> [T] {
    let slots = Mutex<[T?]>(Array(repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let value = ComputeCores.shared.occupying { body(index) }
        slots.withLock { $0[index] = value }
        counter.tick()
    }
    return slots.withLock { $0.compactMap { $0 } }
}
