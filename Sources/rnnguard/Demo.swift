import ArgumentParser
import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Logging
import SequenceModels

/// `rnnguard demo`: a first look in one command. Starts the sidecar in this process on a free loopback
/// port, streams each model's bundled `inputs.json` through it as a client would, and prints a table.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sidecar in-process and certify the bundled example inputs through it.")

    @Option(name: .long, help: "Policy file whose models (and their inputs.json) to use.")
    var config = "config/guard.yaml"

    @Option(name: .long, help: "Inputs per model.")
    var limit = 5

    func run() throws {
        var settings: GuardConfig
        do {
            settings = try GuardConfig.load(from: config)
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        // In-process and private: any free port, no metrics endpoint, no audit file, no CURVE.
        settings.listen = ["tcp://127.0.0.1:*"]
        settings.metrics = nil
        settings.auditLog = nil
        settings.curve = nil
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
        for policy in settings.models {
            let path = URL(fileURLWithPath: policy.path).appendingPathComponent("inputs.json").path
            guard let data = FileManager.default.contents(atPath: path),
                  let examples = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                JSONOutput.error("\(policy.name): no readable inputs.json in \(policy.path); skipped")
                continue
            }
            for (index, example) in examples.prefix(limit).enumerated() {
                var request = GuardRequest(id: .string("\(policy.name)/\(index)"), op: .certify, model: policy.name)
                switch InputFile.parse(example) {
                case .success(.sequence(let rows)): request.sequence = rows.map { $0.map(Float.init) }
                case .success(.tokens(let tokens)): request.header.tokens = tokens
                case .success(.text(let text)): request.header.text = text
                case .failure(let error):
                    JSONOutput.error("\(path)[\(index)]: \(error)")
                    continue
                }
                let started = ContinuousClock.now
                let reply = try client.call(request)
                let elapsed = started.duration(to: .now)
                rows.append(Self.row(policy: policy.name, index: index, example: example, reply: reply,
                                     milliseconds: elapsed.seconds * 1000))
            }
        }
        print(Self.table(rows))
        print("\nradius: certified l_p radius (threshold mode: the largest threshold proven); '*' = partial (deadline).")
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
