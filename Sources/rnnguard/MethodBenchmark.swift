import Foundation
import POPQORN
import SequenceModels

/// `rnnguard bench --methods`: every rung of the certifier ladder on each model, against the default
/// certifier ("full": full back-substitution and the margin optimizer, today's `certify --radius`).
///
/// Per model and rung: the threshold-check time at the model's typical radius (the median full radius
/// of its inputs; p50 and the worst input), the radius-search time, the radius as a share of the full
/// one (median and minimum over inputs), and GFLOP/s of the searches' products. Each input's own full
/// radius is the reference. Then what the sidecar runs: the anytime ladder's radius within the model's
/// budget, and its threshold decisions (`decisions`), for the standard ladder and, when given, the model's
/// own (`ladders`), side by side in one run. With `typicalRadii` only the decisions run, at the radii
/// given, without the full radius searches.
struct MethodBenchmark: BenchFigures {
    let folders: [String]
    let inputs: Int
    let norm: Norm
    /// One budget for every model, or one per model in order.
    let budgetsMs: [Double]
    /// Climb margins to decide with besides the full climb (`CertifierLadder.decide`): none, one for every
    /// model, or one per model in order.
    let climbMargins: [Double]
    /// Typical radii given instead of measured, one per model: only the decisions are measured then.
    let typicalRadii: [Double]
    /// Inputs from each folder's `heldout.jsonl` (JSON lines) that its `inputs.json` does not hold.
    let heldOut: Bool
    /// Ladders to run beside the standard one: none, one for every model, or one per model in order.
    let ladders: [[CertifierRung]]

    func run() throws {
        for (position, folder) in folders.enumerated() {
            let budgetMs = budgetsMs[min(position, budgetsMs.count - 1)]
            let url = URL(fileURLWithPath: folder)
            let model = try SequenceClassifier(contentsOf: url)
            let sequences = Array(try BenchInputs.sequences(in: url, model: model, heldOut: heldOut).prefix(inputs))
            let labels = try sequences.map { try model.predict($0).label }
            let perturbation = Perturbation(norm: norm)
            let runs = LadderRuns(sequences: sequences, labels: labels, perturbation: perturbation)
            let climbMargin = climbMargins.isEmpty ? nil : climbMargins[min(position, climbMargins.count - 1)]
            var compared = [(name: "standard", ladder: CertifierLadder.standard(for: model))]
            if !ladders.isEmpty {
                compared.append((name: "chosen", ladder: CertifierLadder(model: model, rungs: ladders[min(position, ladders.count - 1)])))
            }
            if !typicalRadii.isEmpty {
                let typical = typicalRadii[position]
                print("\(url.lastPathComponent) (T = \(sequences.first?.count ?? 0), p = \(norm.rawValue), \(sequences.count) inputs): typical radius \(format(typical, 6)) (given)")
                Self.list(compared)
                try decisions(model: model, ladders: compared, runs: runs, typical: typical, climbMargin: climbMargin)
                print("")
                continue
            }
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
                    checks.append(try Self.timed { try rung.check(sequence, label: labels[index], perturbation: perturbation, epsilon: typical) }.seconds)
                    let search = try Self.timed { try rung.radius(sequence, label: labels[index], perturbation: perturbation) }
                    searches.append(search.seconds)
                    flops += Double(search.value.flops)
                    ratios.append(reference[index] > 0 ? search.value.radius / reference[index] : 1)
                }
                row(rung.description, checks: checks, searches: searches, ratios: ratios, gflops: flops / searches.reduce(0, +) / 1e9)
                measured.append((rung.description, median(checks), median(ratios)))
            }
            // A rung is on the Pareto front when no other rung checks faster and proves at least as much.
            let front = measured.filter { rung in
                !measured.contains { $0.check < rung.check && $0.ratio >= rung.ratio }
            }
            print("Pareto front (check p50 against radius/full): " + front.map(\.name).joined(separator: ", "))
            Self.list(compared)
            for (name, ladder) in compared {
                let anytime = try runs.budgeted(ladder, budgetMs: budgetMs)
                let ratios = zip(anytime, reference).map { $1 > 0 ? $0.radius / $1 : 1 }
                row("\(name) \(format(budgetMs, 1))ms", checks: [], searches: anytime.map(\.seconds), ratios: ratios, gflops: nil)
            }
            try decisions(model: model, ladders: compared, runs: runs, typical: typical, climbMargin: climbMargin)
            print("")
        }
    }

    /// The sidecar's threshold decisions (accept at `typical`, refuse below half of it, the quick attack) on
    /// each ladder: their time and mix when they climb to the top rung, and with `climbMargin` if given.
    /// Then what a climb margin is calibrated on: the ladder's cheapest rung's `worstRelativeMargin` at
    /// `typical`, lowest among the inputs the full climb accepts and highest among the rest, and the margin
    /// the calibration rule gives (1.5 times the accepted inputs' largest shortfall). The accepts lost
    /// and gained are counted against the standard ladder's full climb.
    private func decisions(model: SequenceClassifier, ladders: [(name: String, ladder: CertifierLadder)], runs: LadderRuns,
                           typical: Double, climbMargin: Double?) throws {
        let attack = PGDAttack.quick(model: model)
        print(Self.columns(["decision", "p50", "max", "accept", "flag", "refuse", "climb stopped"]))
        var reference: [Bool]?
        for (name, ladder) in ladders {
            var accepted: [Bool] = []
            for margin in [nil] + (climbMargin.map { [$0] } ?? []) {
                let decided = try runs.decisions(ladder, typical: typical, climbMargin: margin, attack: attack)
                let (times, made) = (decided.map(\.seconds), decided.map(\.decision))
                let accepts = made.map { $0.radius >= typical }, refuses = made.map { $0.radius < typical / 2 }
                if margin == nil { accepted = accepts }
                if reference == nil { reference = accepts }
                let lost = zip(accepts, reference ?? accepts).filter { !$0 && $1 }.count
                let gained = zip(accepts, reference ?? accepts).filter { $0 && !$1 }.count
                let compared = name != "standard" || margin != nil
                print(Self.columns([name + ", " + (margin.map { "climb margin \(format($0, 2))" } ?? "full climb"),
                                    format(median(times) * 1000, 3) + " ms", format((times.max() ?? 0) * 1000, 3) + " ms",
                                    "\(accepts.filter { $0 }.count)", "\(zip(accepts, refuses).filter { !$0 && !$1 }.count)",
                                    "\(refuses.filter { $0 }.count)",
                                    "\(made.filter(\.stoppedClimbing).count)" + (compared ? " (accepts: \(lost) lost, \(gained) gained)" : "")]))
            }
            guard let cheapest = ladder.rungs.first else { continue }
            let relative = try runs.sequences.indices.map { index in
                try cheapest.check(runs.sequences[index], label: runs.labels[index], perturbation: runs.perturbation,
                                   epsilon: typical).worstRelativeMargin
            }
            let ofAccepted = zip(relative, accepted).filter(\.1).map(\.0), ofOthers = zip(relative, accepted).filter { !$0.1 }.map(\.0)
            // The calibration rule of docs/performance.md: 1.5 times the largest shortfall among the accepted.
            let suggested = ofAccepted.min().map { format(1.5 * max(0, -$0), 3) } ?? "-"
            print("\(name) ladder's cheapest rung's worst relative margin at the typical radius: min \(ofAccepted.min().map { format($0, 3) } ?? "-") "
                  + "over the accepted, max \(ofOthers.max().map { format($0, 3) } ?? "-") over the others; "
                  + "climb margin 1.5 x the accepted's shortfall: \(suggested)")
        }
    }

    private func row(_ name: String, checks: [Double], searches: [Double], ratios: [Double], gflops: Double?) {
        let cells = [name, checks.isEmpty ? "-" : format(median(checks) * 1000, 3) + " ms",
                     checks.isEmpty ? "-" : format((checks.max() ?? 0) * 1000, 3) + " ms",
                     format(median(searches) * 1000, 2) + " ms", format(median(ratios), 3), format(ratios.min() ?? 0, 3),
                     gflops.map { format($0, 2) } ?? "-"]
        print(Self.columns(cells))
    }

    private static func list(_ ladders: [(name: String, ladder: CertifierLadder)]) {
        for (name, ladder) in ladders {
            print("\(name) ladder: " + ladder.rungs.map(\.description).joined(separator: ", "))
        }
    }

    /// One table line: the rung's name in a column wide enough for "window:4+zonotope:128+mccormick", the
    /// figures in columns of 22, the last one as long as it is.
    private static func columns(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: index == 0 ? 34 : 22, withPad: " ", startingAt: 0)
        }.joined()
    }

}
