import CalibrationReport
import Foundation
import POPQORN

/// The full radius of a model folder's first inputs (`certify --radius`: full back-substitution and the
/// margin optimizer), kept in the folder's `full-radii.json` so that `rnnguard bench` need not search it
/// again on every run: at W4 one search takes a quarter of an hour, and the targets table divides by it.
///
/// A record is used only for the files and the certifier it was computed with: the digests of model.json,
/// model.safetensors and inputs.json, the norm and the search tolerance must all match, and so must the
/// `probe`, a full radius the bench searches again in a moment; else the bench searches live and says
/// why. `bench --save-full-radii` writes the records again.
struct FullRadii: Codable, Equatable {
    static let fileName = "full-radii.json"

    var madeBy: String
    var modelJSONSHA256: String
    var modelWeightsSHA256: String
    var inputsSHA256: String
    var norm: String
    var tolerance: Double
    /// Per input of inputs.json, in order: the full radius and the search's seconds on one core.
    var radii: [Double]
    var seconds: [Double]
    /// The full radius of the first input's first `probeSteps` steps when the record was made
    /// (`probeRadius`): a change to the certifier that moves full radii moves it too, at a cost of
    /// milliseconds where the record's own searches take minutes.
    var probe: Double

    static let probeSteps = 2

    enum CodingKeys: String, CodingKey {
        case madeBy = "made_by", modelJSONSHA256 = "model_json_sha256", modelWeightsSHA256 = "model_safetensors_sha256"
        case inputsSHA256 = "inputs_sha256", norm, tolerance, radii, seconds, probe
    }

    /// The full radius of `sequence`'s first `probeSteps` steps (its own prediction's), as `certifier`
    /// searches it.
    static func probeRadius(_ certifier: Certifier, sequence: [[Double]], perturbation: Perturbation, tolerance: Double) throws -> Double {
        let steps = Array(sequence.prefix(probeSteps))
        let label = try certifier.model.predict(steps).label
        return try certifier.radius(steps, label: label, perturbation: perturbation, tolerance: tolerance).radius
    }

    /// Whether the certifier of today gives the record's probe, to a relative 1e-6: another machine's BLAS
    /// kernels round differently, by far less, and a change to the bounds that moves radii by less would
    /// leave the record's radii as good as new.
    func probeMatches(_ radius: Double) -> Bool {
        abs(radius - probe) <= 1e-6 * max(abs(probe), Certifier.smallestRadius)
    }

    /// The digests of the files a record depends on, as they are now; nil when one cannot be read.
    static func digests(of folder: URL) -> (modelJSON: String, weights: String, inputs: String)? {
        guard let json = Provenance.sha256(ofFile: folder.appendingPathComponent("model.json").path),
              let weights = Provenance.sha256(ofFile: folder.appendingPathComponent("model.safetensors").path),
              let inputs = Provenance.sha256(ofFile: folder.appendingPathComponent("inputs.json").path) else { return nil }
        return (json, weights, inputs)
    }

    /// The folder's record when it holds `count` inputs computed on the folder's files as they are now,
    /// with `norm` and `tolerance`; otherwise nil and the reason, for the bench to print (nil, nil when
    /// there is no record at all).
    static func load(from folder: URL, norm: String, tolerance: Double, count: Int) -> (record: FullRadii?, mismatch: String?) {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return (nil, nil) }
        guard let record = try? JSONDecoder().decode(FullRadii.self, from: data) else {
            return (nil, "\(fileName) is not a record of full radii")
        }
        guard let now = digests(of: folder) else { return (nil, "the model or inputs.json cannot be read") }
        if record.modelJSONSHA256 != now.modelJSON || record.modelWeightsSHA256 != now.weights {
            return (nil, "\(fileName) was computed on another model")
        }
        if record.inputsSHA256 != now.inputs { return (nil, "\(fileName) was computed on other inputs") }
        if record.norm != norm || record.tolerance != tolerance { return (nil, "\(fileName) holds another norm or tolerance") }
        // A record is data from a file: every figure is checked before it is used.
        guard record.radii.count == record.seconds.count, record.probe.isFinite, record.probe >= 0,
              record.radii.allSatisfy({ $0.isFinite && $0 >= 0 }), record.seconds.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            return (nil, "\(fileName) holds figures that are not radii")
        }
        if record.radii.count < count { return (nil, "\(fileName) holds \(record.radii.count) inputs, not \(count)") }
        return (record, nil)
    }

    func save(in folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
