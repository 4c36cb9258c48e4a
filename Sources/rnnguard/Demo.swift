import ArgumentParser
import CalibrationReport
import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Logging
import SequenceModels

/// `rnnguard demo`: a first look in one command. Starts the sidecar in this process on a free loopback
/// port, streams each model's bundled `inputs.json` through it as a client would, and prints a table.
///
/// With `--data NAME=FILE` a model's inputs come from a labelled JSON-lines file instead (its held-out
/// set, in the form `report` reads), and the output is the decision mix per model: how many predictions
/// the policy accepted, flagged and refused (by a counterexample, or unproven), and the certification
/// time the server reported.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sidecar in-process and certify the bundled example inputs through it.")

    @Option(name: .long, help: "Policy file whose models (and their inputs.json) to use.")
    var config = "config/guard.yaml"

    @Option(name: .long, help: "Inputs per model.")
    var limit = 5

    @Option(name: .long, parsing: .upToNextOption,
            help: "NAME=FILE: certify model NAME on the labelled JSON lines of FILE (an input and \"label\" per line) instead of its inputs.json, and print the decision mix.")
    var data: [String] = []

    @Option(name: .long, help: "Ask for this certificate mode (threshold or radius) where the policy allows the override.")
    var mode: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be > 0") }
        if let mode, !["threshold", "radius"].contains(mode) { throw ValidationError("--mode is threshold or radius") }
        for pair in data where pair.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--data takes NAME=FILE, not \"\(pair)\"")
        }
    }

    func run() throws {
        var settings: GuardConfig
        do {
            settings = try GuardConfig.load(from: config)
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        // In-process and private: any free port, no proxy, no metrics endpoint, no audit file, no CURVE.
        settings.listen = ["tcp://127.0.0.1:*"]
        settings.connect = []
        settings.metrics = nil
        settings.auditLog = nil
        settings.curve = nil
        let files = Dictionary(data.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        }, uniquingKeysWith: { $1 })
        if let unknown = files.keys.first(where: { name in !settings.models.contains { $0.name == name } }) {
            JSONOutput.error("--data names \(unknown), which \(config) does not serve")
            throw ExitCode(2)
        }
        let dataSets = try Self.dataSets(files, models: settings.models)

        var logger = Logger(label: "rnnguard.demo")
        logger.logLevel = .warning
        let server = try GuardServer(config: settings, logger: logger)
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 30_000)

        var rows: [[String]] = [["model", "input", "expected", "label", "radius", "decision", "ms"]]
        var mixes: [DecisionMix] = []
        for policy in settings.models where files.isEmpty || files[policy.name] != nil {
            if let dataSet = dataSets[policy.name] {
                var mix = DecisionMix(model: policy.name)
                for (index, example) in dataSet.examples.prefix(limit).enumerated() {
                    mix.add(try certify(example.input, index: index, policy: policy, client: client).reply, expected: example.label)
                }
                mixes.append(mix)
                continue
            }
            let path = URL(fileURLWithPath: policy.path).appendingPathComponent("inputs.json").path
            guard let data = FileManager.default.contents(atPath: path),
                  let examples = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                JSONOutput.error("\(policy.name): no readable inputs in \(path); skipped")
                continue
            }
            for (index, example) in examples.prefix(limit).enumerated() {
                switch InputFile.parse(example) {
                case .success(let input):
                    let (reply, milliseconds) = try certify(input, index: index, policy: policy, client: client)
                    rows.append(Self.row(policy: policy.name, index: index, example: example, reply: reply,
                                         milliseconds: milliseconds))
                case .failure(let error):
                    JSONOutput.error("\(path)[\(index)]: \(error)")
                }
            }
        }
        if files.isEmpty {
            print(Self.table(rows))
            print("\nradius: certified l_p radius (threshold mode: the largest threshold proven); '*' = partial (deadline).")
        } else {
            print(Self.table([DecisionMix.header] + mixes.map(\.row)))
            print("\nrefused: by a quick attack's counterexample within refuse_below / unproven; partial: the deadline cut")
            print("certification short. ms: the certification time the server reported (mean, p50, p99).")
        }
    }

    /// Each --data file as a labelled data set of its model, read before the server starts: a bad line
    /// stops the demo with its line number (as in `report`), where a skipped line would skew the mix unseen.
    private static func dataSets(_ files: [String: String], models: [ModelPolicy]) throws -> [String: LabelledDataSet] {
        var sets: [String: LabelledDataSet] = [:]
        for policy in models {
            guard let path = files[policy.name] else { continue }
            // The server keeps its loaded models to itself, so the widths and labels are checked against a copy.
            let classifier: SequenceClassifier
            do {
                classifier = try SequenceClassifier(contentsOf: URL(fileURLWithPath: policy.path, isDirectory: true))
            } catch {
                JSONOutput.error("\(policy.name): cannot load model from \(policy.path): \(error)")
                throw ExitCode(2)
            }
            do {
                sets[policy.name] = try LabelledDataSet(contentsOf: path, model: classifier, skipBad: false)
            } catch {
                JSONOutput.error("\(path): \(error)")
                throw ExitCode(1)
            }
        }
        return sets
    }

    /// Sends `input` to `policy`'s model as a certify request: the reply and its round trip in milliseconds.
    private func certify(_ input: ModelInput, index: Int, policy: ModelPolicy,
                         client: GuardClient) throws -> (reply: Reply, milliseconds: Double) {
        var request = GuardRequest(id: .string("\(policy.name)/\(index)"), op: .certify, model: policy.name)
        if let mode, policy.certify.allowOverrides.contains(.mode) { request.header.certify = ["mode": .text(mode)] }
        switch input {
        case .sequence(let rows): request.sequence = rows.map { $0.map(Float.init) }
        case .tokens(let tokens): request.header.tokens = tokens
        case .text(let text): request.header.text = text
        }
        let started = ContinuousClock.now
        let reply = try client.call(request)
        return (reply, started.duration(to: .now).seconds * 1000)
    }

    private static func row(policy: String, index: Int, example: [String: Any], reply: Reply, milliseconds: Double) -> [String] {
        let input = (example["text"] as? String).map { "\"\($0.count > 34 ? String($0.prefix(33)) + "…" : $0)\"" } ?? "#\(index)"
        let expected = (example["label"] as? Int).map(String.init) ?? "-"
        guard reply.isOK, let prediction = reply.prediction, let certificate = reply.certificate, let decision = reply.decision else {
            return [policy, input, expected, "error", "-", reply.code?.rawValue ?? "?", String(format: "%.1f", milliseconds)]
        }
        let label = prediction.labelName.map { "\(prediction.label) \($0)" } ?? "\(prediction.label)"
        let radius = String(format: "%.4f", certificate.radius) + (certificate.complete ? "" : "*")
        let verdict = decision.flags.isEmpty ? decision.action : "\(decision.action) (\(decision.flags.joined(separator: ",")))"
        return [policy, input, expected, label, radius, verdict, String(format: "%.1f", milliseconds)]
    }

    /// Left-aligned columns, one space of padding, a rule under the header.
    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(rows[0]), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
