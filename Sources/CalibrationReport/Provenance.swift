import Crypto
import Foundation

/// What a reader needs to reproduce a report: which program, which files (with digests, so a changed
/// model or data file shows), which settings.
public enum Provenance {
    /// The SHA-256 of a file as hex, or nil when it cannot be read.
    public static func sha256(ofFile path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The report's settings rows: program and command, the model folder's and data file's digests, the
    /// certification settings and the machine's cores.
    public static func rows(version: String, command: String, modelFolder: String, dataFile: String,
                            settings: CalibrationSettings, policySource: String?) -> [(key: String, value: String)] {
        let folder = URL(fileURLWithPath: modelFolder)
        var rows: [(key: String, value: String)] = [
            ("rnnguard", version),
            ("command", command),
            ("model folder", modelFolder),
        ]
        for file in ["model.json", "model.safetensors"] {
            rows.append(("\(file) sha256", sha256(ofFile: folder.appendingPathComponent(file).path) ?? "unreadable"))
        }
        rows += [
            ("data file", dataFile),
            ("data sha256", sha256(ofFile: dataFile) ?? "unreadable"),
            ("norm", settings.perturbation.norm.rawValue),
            ("frames", settings.perturbation.frames.description),
            ("certifier", settings.budgetMilliseconds.map {
                "anytime ladder (" + settings.ladder.map(\.description).joined(separator: ", ") + "), \(formatted($0)) ms per example"
            }
                ?? "default (full back-substitution + margin optimizer)"),
            ("radius tolerance", formatted(settings.tolerance)),
            ("attack", "PGD, 60 steps x 4 restarts, radius searched up to 10, \(settings.attackSample) examples"),
            ("sensitivity maps", "\(settings.sensitivitySample) examples, default certifier per frame"),
            ("policy", policySource ?? "none given (--config)"),
            ("threads", "\(ProcessInfo.processInfo.activeProcessorCount)"),
        ]
        return rows
    }
}
