import ArgumentParser
import CalibrationReport
import Foundation
import GuardService
import POPQORN
import SequenceModels

/// `rnnguard report`: certify a labelled data set and write a calibration report (HTML + CSV), and with
/// `--suggest` print the thresholds that reach a target accuracy. The work is in `CalibrationReport`.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Certify a labelled data set and write an HTML calibration report; --suggest prints thresholds.")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "Labelled JSON lines: an input (sequence, tokens or text) and \"label\" per line.")
    var data: String
    @Option(name: .long, help: "The HTML report to write; the CSV tables go beside it (NAME-radii.csv, ...).")
    var out: String
    @Option(name: .long, help: "Norm of each frame's ball: 1, 2 or inf (default: the policy's, else 2).")
    var norm: NormArgument?
    @Option(name: .long, help: "Perturbed frames: all, T, or A:B (default: the policy's, else all).")
    var frames: FramesArgument?
    @Option(name: .long, help: "Per-example budget: the anytime ladder's best radius proven in MS milliseconds.")
    var budgetMs: Double?
    @Option(name: .long, help: "With --budget-ms: the anytime ladder's rungs, cheapest first, as bench --methods names them (default: the policy's, else zonotope:128+mccormick,full,full+optimizer).")
    var ladder: String?
    @Option(name: .long, help: "Relative tolerance of the radius searches.")
    var tolerance: Double = 1e-3
    @Option(name: .long, help: "Sidecar configuration whose policy for this model is marked on the charts.")
    var config: String?
    @Option(name: .long, help: "The model's name in --config (default: the entry whose path is --model).")
    var policy: String?
    @Option(name: .long, help: "Predictions that also get a PGD attack radius.")
    var attackSample = 40
    @Option(name: .long, help: "Predictions that get a sensitivity map (per-frame radii).")
    var sensitivitySample = 12
    @Option(name: .long, help: "How sensitivity maps draw inputs: words, rows or frames (default: from the data).")
    var view: SensitivityView?
    @Flag(name: .long, help: "Print the thresholds reaching --target-accuracy on accepted predictions, and a config block.")
    var suggest = false
    @Option(name: .long, help: "With --suggest: the accuracy accepted predictions must reach, in (0, 1].")
    var targetAccuracy: Double = 0.99
    @Option(name: .long, help: "With --suggest: refuse only below a radius where predictions are right less often than this.")
    var refusedAccuracy: Double = 0.5
    @Flag(name: .long, help: "Skip bad data lines (listed in the report) instead of stopping at the first.")
    var skipBad = false

    func validate() throws {
        if let budgetMs, !(budgetMs > 0 && budgetMs <= 86_400_000) { throw ValidationError("--budget-ms must lie in (0, 86400000]") }
        if !(tolerance > 0 && tolerance < 1) { throw ValidationError("--tolerance must lie in (0, 1)") }
        if !(targetAccuracy > 0 && targetAccuracy <= 1) { throw ValidationError("--target-accuracy must lie in (0, 1]") }
        if !(refusedAccuracy > 0 && refusedAccuracy <= 1) { throw ValidationError("--refused-accuracy must lie in (0, 1]") }
        if attackSample < 0 || sensitivitySample < 0 { throw ValidationError("sample sizes must be >= 0") }
        if policy != nil && config == nil { throw ValidationError("--policy needs --config") }
        if let ladder {
            guard budgetMs != nil else { throw ValidationError("--ladder needs --budget-ms") }
            _ = try LadderArgument(text: ladder).rungs()
        }
    }

    func run() throws {
        let classifier = try model.load()
        let served = try servedPolicy()
        let settings = CalibrationSettings(
            perturbation: Perturbation(norm: norm?.value ?? served?.certify.norm ?? .l2,
                                       frames: frames?.value ?? served?.certify.frames ?? .all),
            budgetMilliseconds: budgetMs,
            ladder: try ladder.map { try LadderArgument(text: $0).rungs() } ?? served?.certify.ladder ?? CertifierRung.standardLadder,
            tolerance: tolerance, attackSample: attackSample,
            sensitivitySample: sensitivitySample)
        let dataSet: LabelledDataSet
        let certified: CalibrationRun
        do {
            dataSet = try LabelledDataSet(contentsOf: data, model: classifier, skipBad: skipBad)
            let bar = ProgressBar(total: CalibrationRun.workCount(examples: dataSet.examples.count, settings: settings))
            defer { bar.finish() }
            certified = try CalibrationRun.certify(dataSet, model: classifier, settings: settings, skipBad: skipBad) { done, _ in
                bar.update(done: done)
            }
        } catch {
            JSONOutput.error("\(data): \(error)" + (error.line != nil && !skipBad ? " (--skip-bad reports the good lines)" : ""))
            throw ExitCode(1)
        }
        for skipped in dataSet.skipped + certified.failures { JSONOutput.error("skipped \(data) \(skipped)") }

        let curve = ThresholdCurve(results: certified.results)
        let suggestion = suggest ? PolicySuggestion(curve: curve, results: certified.results, targetAccuracy: targetAccuracy,
                                                    refusedAccuracy: refusedAccuracy,
                                                    onDeadline: served?.decide.onDeadline ?? .flag) : nil
        let name = served?.name ?? URL(fileURLWithPath: model.model).lastPathComponent
        let report = CalibrationReport(
            name: name, model: classifier, dataSet: dataSet, run: certified, policy: served?.decide, suggestion: suggestion,
            view: view,
            provenance: Provenance.rows(version: RNNGuard.configuration.version, command: (["rnnguard"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                        modelFolder: model.model, dataFile: data, settings: settings,
                                        policySource: served.map { "\(config ?? ""): \($0.name)" }))
        let written: [URL]
        do { written = try report.write(to: URL(fileURLWithPath: out)) } catch {
            JSONOutput.error("cannot write the report \(out): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        FileHandle.standardError.write(Data(("wrote " + written.map(\.path).joined(separator: ", ") + "\n").utf8))

        if suggest {
            guard let suggestion else {
                let best = curve.points.compactMap { p in p.accuracyAtOrAbove.map { (p, $0) } }.max { $0.1 < $1.1 }
                JSONOutput.error("no threshold reaches accepted accuracy \(targetAccuracy) on \(certified.results.count) predictions of \(data)"
                                 + (best.map { "; the best is \(String(format: "%.4f", $0.1)) (accepting \($0.0.atOrAbove) at radius >= \($0.0.threshold))" } ?? ""))
                throw ExitCode(1)
            }
            print(suggestionText(suggestion, name: name, settings: settings, served: served))
        }
    }

    /// The policy of --config for this model: the entry named --policy, or the one whose path is --model.
    private func servedPolicy() throws -> ModelPolicy? {
        guard let config else { return nil }
        let loaded: GuardConfig
        do { loaded = try GuardConfig.load(from: config) } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        if let policy {
            guard let entry = loaded.models.first(where: { $0.name == policy }) else {
                JSONOutput.error("\(config) has no model named \(policy)")
                throw ExitCode(2)
            }
            return entry
        }
        let wanted = URL(fileURLWithPath: model.model).standardizedFileURL.path
        let entry = loaded.models.first { URL(fileURLWithPath: $0.path).standardizedFileURL.path == wanted }
        if entry == nil { JSONOutput.error("\(config) serves no model from \(model.model): no policy marked (give --policy NAME)") }
        return entry
    }

    private func suggestionText(_ suggestion: PolicySuggestion, name: String, settings: CalibrationSettings,
                                served: ModelPolicy?) -> String {
        let o = suggestion.outcome
        func share(_ n: Int) -> String { String(format: "%d (%.1f%%)", n, 100 * Double(n) / Double(o.total)) }
        let accuracy = o.acceptedAccuracy.map { String(format: "%.4f", $0) } ?? "-"
        let servedAccuracy = o.servedAccuracy.map { String(format: "%.4f", $0) } ?? "-"
        var certify = served?.certify ?? CertifyPolicy()
        certify.norm = settings.perturbation.norm
        certify.frames = settings.perturbation.frames
        let entry = ModelPolicy(name: name, path: served?.path ?? model.model, certify: certify, decide: o.policy,
                                expose: served?.expose ?? .full)
        return """
        thresholds for accepted accuracy >= \(targetAccuracy) on \(o.total) predictions of \(data) \
        (\(settings.perturbation.norm.rawValue)-norm, frames \(settings.perturbation.frames)):
          accept_at_or_above: \(o.policy.acceptAtOrAbove)   accepted \(share(o.accepted)), accuracy of accepted \(accuracy)
          refuse_below: \(o.policy.refuseBelow)   refused \(share(o.refused)): \(o.wrongRefused) of \(o.wrong) wrong predictions
          flagged fragile \(share(o.flagged)); accuracy of served (accepted + flagged) \(servedAccuracy)
        "accepted" counts only predictions accepted without a flag: accept_at_or_above is the lowest threshold \
        (largest coverage) whose accepted predictions reach the target; refuse_below is the highest threshold below it \
        whose refused predictions are right less than \(refusedAccuracy) of the time (0: refuse nothing).
        # config/guard.yaml, under models:
        \(policyYAML(entry))
        """
    }
}
extension SensitivityView: ExpressibleByArgument {}
