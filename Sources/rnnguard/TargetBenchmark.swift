import Foundation
import POPQORN
import SequenceModels

/// `rnnguard bench` on models of the issue-11 workload sizes (`Workload`): the targets table,
/// one row per model, with whether each target is met.
///
/// Per model, on its first inputs (l_inf over all frames, one core unless `--cores` says otherwise):
/// - the full radius of each input (`certify --radius`'s default search; live, or from the folder's
///   `full-radii.json` when that was computed on the same files by the same certifier, `FullRadii`),
///   and their median, the typical radius;
/// - the threshold decision's p50 at the typical radius, as the sidecar decides with the standard ladder
///   (accept at the typical radius, refuse below half of it, the quick attack; `LadderRuns`);
/// - the radius the standard ladder proves within the workload's budget B, as a share of each input's full
///   radius (median and minimum), after a warm-up at the inputs' length as `certify --budget-ms` does;
/// - the complete search's p50 against the decision's (the issue asks for at most 10x).
struct TargetBenchmark: BenchFigures {
    /// Folders of a workload size.
    let folders: [BenchFolder]
    let inputs: Int
    /// Search every full radius, even where a record of them matches.
    let liveFull: Bool
    /// Write the full radii searched live to each folder's record.
    let saveFullRadii: Bool

    /// The most a complete radius search may cost, in decisions (issue 11, item 6).
    static let searchPerDecisionTarget = 10.0

    func run() throws {
        print("issue 11's targets (l_inf on every frame; \"full\": the default radius search, full back-substitution and the margin optimizer)")
        print(Self.columns(["workload", "model", "inputs", "typical radius", "decision p50", "target", "radius in B / full, min",
                            "target", "B", "search p50", "search / decision", "full radii"]))
        for folder in folders {
            try measure(folder)
        }
    }

    private func measure(_ folder: BenchFolder) throws {
        let (url, model) = (folder.url, folder.model)
        let sequences = Array(folder.sequences.prefix(inputs))
        guard let workload = folder.workload, !sequences.isEmpty else { return }
        let labels = try sequences.map { try model.predict($0).label }
        let runs = LadderRuns(sequences: sequences, labels: labels, perturbation: Perturbation(norm: .linf))
        let full = try fullRadii(url, model: model, runs: runs)
        let typical = median(full.radii)
        let ladder = CertifierLadder.standard(for: model)
        // A budget measures certification, not what a process does once on its first certificate of a length.
        ladder.warmUp(length: sequences[0].count)
        let budgeted = try runs.budgeted(ladder, budgetMs: workload.budgetMs)
        let shares = zip(budgeted, full.radii).map { $1 > 0 ? $0.radius / $1 : 1 }
        let decisions = try runs.decisions(ladder, typical: typical, climbMargin: nil, attack: .quick(model: model))
        let decisionMs = median(decisions.map(\.seconds)) * 1000
        let share = median(shares)
        let searchPerDecision = median(full.seconds) * 1000 / decisionMs
        func verdict(_ met: Bool) -> String { met ? "met" : "missed" }
        print(Self.columns([
            "\(workload.name) \(workload.summary)", url.lastPathComponent, "\(sequences.count)", format(typical, 6),
            milliseconds(decisionMs), "< \(milliseconds(workload.decisionTargetMs)): \(verdict(decisionMs < workload.decisionTargetMs))",
            "\(format(share, 3)), \(format(shares.min() ?? 0, 3))",
            ">= \(format(workload.budgetShareTarget, 2)): \(verdict(share >= workload.budgetShareTarget))",
            milliseconds(workload.budgetMs), milliseconds(median(full.seconds) * 1000),
            "\(format(searchPerDecision, 1))x (<= \(format(Self.searchPerDecisionTarget, 0))x): \(verdict(searchPerDecision <= Self.searchPerDecisionTarget))",
            full.source,
        ]))
    }

    /// Each input's full radius and its search's seconds: from the folder's record when it matches the
    /// folder's files and today's certifier (and `liveFull` is off), else searched now (and recorded with
    /// `saveFullRadii`).
    private func fullRadii(_ url: URL, model: SequenceClassifier, runs: LadderRuns) throws -> (radii: [Double], seconds: [Double], source: String) {
        let count = runs.sequences.count
        let tolerance = 1e-3
        let certifier = Certifier(model: model)
        func probe() throws -> Double {
            try FullRadii.probeRadius(certifier, sequence: runs.sequences[0], perturbation: runs.perturbation, tolerance: tolerance)
        }
        var mismatch: String?
        if !liveFull {
            let loaded = FullRadii.load(from: url, norm: runs.perturbation.norm.rawValue, tolerance: tolerance, count: count)
            mismatch = loaded.mismatch
            if let record = loaded.record {
                if record.probeMatches(try probe()) {
                    return (Array(record.radii.prefix(count)), Array(record.seconds.prefix(count)),
                            "recorded in \(FullRadii.fileName) (searches timed then)")
                }
                mismatch = "\(FullRadii.fileName) was computed by another certifier"
            }
        }
        return try searched(runs, certifier: certifier, tolerance: tolerance, mismatch: mismatch, url: url, probe: probe)
    }

    /// Every full radius searched now, timed, and recorded when `saveFullRadii` says so.
    private func searched(_ runs: LadderRuns, certifier: Certifier, tolerance: Double, mismatch: String?, url: URL,
                          probe: () throws -> Double) throws -> (radii: [Double], seconds: [Double], source: String) {
        let count = runs.sequences.count
        // A full search takes minutes from W3 on: the bar on standard error shows the run is alive.
        let bar = ProgressBar(total: count)
        defer { bar.finish() }
        bar.update(done: 0)
        let searches = try runs.sequences.indices.map { index in
            defer { bar.update(done: index + 1) }
            return try Self.timed {
                try certifier.radius(runs.sequences[index], label: runs.labels[index], perturbation: runs.perturbation, tolerance: tolerance)
            }
        }
        let (radii, seconds) = (searches.map(\.value.radius), searches.map(\.seconds))
        var source = "searched now" + (mismatch.map { " (\($0))" } ?? "")
        if saveFullRadii, let digests = FullRadii.digests(of: url) {
            try FullRadii(madeBy: "rnnguard bench --save-full-radii (\(count) inputs of inputs.json, one search each, \(ComputeCores.shared.count) core(s))",
                          modelJSONSHA256: digests.modelJSON, modelWeightsSHA256: digests.weights, inputsSHA256: digests.inputs,
                          norm: runs.perturbation.norm.rawValue, tolerance: tolerance, radii: radii, seconds: seconds,
                          probe: try probe()).save(in: url)
            source += ", recorded"
        }
        return (radii, seconds, source)
    }

    /// A time given in milliseconds, with three significant figures or so; seconds from 10 s on.
    private func milliseconds(_ value: Double) -> String {
        if value >= 10_000 { return format(value / 1000, 1) + " s" }
        return value >= 100 ? format(value, 0) + " ms" : value >= 1 ? format(value, 2) + " ms" : format(value, 3) + " ms"
    }

    /// One table line: the workload and model in columns wide enough for their names, the figures in
    /// columns of 16 to 24, the last one as long as it is.
    private static func columns(_ cells: [String]) -> String {
        let widths = [24, 20, 8, 16, 14, 22, 26, 20, 10, 14, 28]
        return cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: max(widths[min(index, widths.count - 1)], cell.count + 1),
                                                           withPad: " ", startingAt: 0)
        }.joined()
    }
}
