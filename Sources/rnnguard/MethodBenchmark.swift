import Foundation
import POPQORN
import SequenceModels

/// `rnnguard bench --methods`: every rung of the certifier ladder on each model, against the default
/// certifier ("full": full back-substitution and the margin optimizer, today's `certify --radius`).
///
/// Per model and rung: the threshold-check time at the model's typical radius (the median full radius
/// of its inputs; p50 and the worst input), the radius-search time, the radius as a share of the full
/// one (median and minimum over inputs), and GFLOP/s of the searches' products. The last row is what
/// the sidecar runs: its threshold decision (`CertifierLadder.decide` with accept at the typical radius,
/// refuse below half of it, the quick attack) in the check columns, and the anytime ladder's radius
/// within the model's budget in the search columns. Each input's own full radius is the reference.
struct MethodBenchmark {
    let folders: [String]
    let inputs: Int
    let norm: Norm
    /// One budget for every model, or one per model in order.
    let budgetsMs: [Double]

    func run() throws {
        for (position, folder) in folders.enumerated() {
            let budgetMs = budgetsMs[min(position, budgetsMs.count - 1)]
            let url = URL(fileURLWithPath: folder)
            let model = try SequenceClassifier(contentsOf: url)
            let sequences = try Self.sequences(in: url, model: model).prefix(inputs)
            let labels = try sequences.map { try model.predict($0).label }
            let perturbation = Perturbation(norm: norm)
            let full = Certifier(model: model)
            let reference = try zip(sequences, labels).map { try full.radius($0, label: $1, perturbation: perturbation).radius }
            let typical = median(reference)
            print("\(url.lastPathComponent) (T = \(sequences.first?.count ?? 0), p = \(norm.rawValue), \(sequences.count) inputs): typical full radius \(format(typical, 6))")
            print(Self.columns(["rung", "check p50", "check max", "search p50", "radius/full", "min", "GFLOP/s"]))
            let rungs = [
                Certifier(model: model, method: .interval, fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .forward, fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .forward, marginIterations: 0),
                Certifier(model: model, method: .zonotope(32), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .zonotope(BoundMethod.defaultKeptSymbols), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .window(1), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .window(4), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .window(4), marginIterations: 0),
                Certifier(model: model, method: .windowAndZonotope(window: 4, keep: 128), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .windowAndZonotope(window: 4, keep: 512), fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .full, fittedPlanes: false, marginIterations: 0),
                Certifier(model: model, method: .full, marginIterations: 0),
                full,
            ]
            var measured: [(name: String, check: Double, ratio: Double)] = []
            for rung in rungs {
                var checks: [Double] = [], searches: [Double] = [], ratios: [Double] = []
                var flops = 0.0
                for (index, sequence) in sequences.enumerated() {
                    checks.append(try time { _ = try rung.check(sequence, label: labels[index], perturbation: perturbation, epsilon: typical) })
                    var search: RadiusSearch?
                    searches.append(try time { search = try rung.radius(sequence, label: labels[index], perturbation: perturbation) })
                    flops += Double(search?.flops ?? 0)
                    ratios.append(reference[index] > 0 ? (search?.radius ?? 0) / reference[index] : 1)
                }
                row(rung.description, checks: checks, searches: searches, ratios: ratios, gflops: flops / searches.reduce(0, +) / 1e9)
                measured.append((rung.description, median(checks), median(ratios)))
            }
            // A rung is on the Pareto front when no other rung checks faster and proves at least as much.
            let front = measured.filter { rung in
                !measured.contains { $0.check < rung.check && $0.ratio >= rung.ratio }
            }
            print("Pareto front (check p50 against radius/full): " + front.map(\.name).joined(separator: ", "))
            let ladder = CertifierLadder.standard(for: model)
            let attack = PGDAttack.quick(model: model)
            var decisions: [Double] = [], anytime: [Double] = [], ratios: [Double] = []
            for (index, sequence) in sequences.enumerated() {
                decisions.append(try time {
                    _ = try ladder.decide(sequence, label: labels[index], perturbation: perturbation, accept: typical,
                                          refuse: typical / 2, attack: attack, deadline: nil)
                })
                var search: RadiusSearch?
                anytime.append(try time {
                    search = try ladder.radius(sequence, label: labels[index], perturbation: perturbation,
                                               deadline: .now + .microseconds(Int64(budgetMs * 1000)))
                })
                ratios.append(reference[index] > 0 ? (search?.radius ?? 0) / reference[index] : 1)
            }
            row("decide|ladder \(format(budgetMs, 1))ms", checks: decisions, searches: anytime, ratios: ratios, gflops: nil)
            print("")
        }
    }

    private func row(_ name: String, checks: [Double], searches: [Double], ratios: [Double], gflops: Double?) {
        let cells = [name, format(median(checks) * 1000, 3) + " ms", format((checks.max() ?? 0) * 1000, 3) + " ms",
                     format(median(searches) * 1000, 2) + " ms", format(median(ratios), 3), format(ratios.min() ?? 0, 3),
                     gflops.map { format($0, 2) } ?? "-"]
        print(Self.columns(cells))
    }

    /// One table line: the rung's name in a column wide enough for "window:4+zonotope:128+mccormick", the
    /// figures in columns of 22.
    private static func columns(_ cells: [String]) -> String {
        cells.enumerated().map { $1.padding(toLength: $0 == 0 ? 34 : 22, withPad: " ", startingAt: 0) }.joined()
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return (clock.now - start).seconds
    }

    private static func sequences(in folder: URL, model: SequenceClassifier) throws -> [[[Double]]] {
        struct Recorded: Decodable {
            let sequence: [[Double]]?
            let tokens: [Int]?
        }
        let recorded = try JSONDecoder().decode([Recorded].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        return try recorded.map { try model.sequence(for: $0.sequence.map(ModelInput.sequence) ?? .tokens($0.tokens ?? [])) }
    }

    private func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.sorted()[values.count / 2] }
    private func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
