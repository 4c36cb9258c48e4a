import Foundation
import GuardClient
import GuardService
import Logging
import POPQORN
import SequenceModels

/// Shared test material: the bundled example models, their inputs and server configurations.
enum Fixtures {
    /// The repository root, found from this file (Tests/GuardServiceTests/Fixtures.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func modelPath(_ name: String) -> String { root.appendingPathComponent("examples/models/\(name)").path }

    static let digitsPolicy = ModelPolicy(
        name: "digits-lstm", path: modelPath("digits-lstm"),
        certify: CertifyPolicy(norm: .l2, frames: .all, mode: .threshold, allowOverrides: [.mode, .frames, .target]),
        decide: DecisionPolicy(acceptAtOrAbove: 0.1, refuseBelow: 0.03, onDeadline: .flag))

    static let newsPolicy = ModelPolicy(
        name: "news-lstm", path: modelPath("news-lstm"),
        certify: CertifyPolicy(norm: .l2, frames: .all, mode: .threshold),
        decide: DecisionPolicy(acceptAtOrAbove: 0.1, refuseBelow: 0.02, onDeadline: .refuse))

    /// Loaded once for the whole suite (loading is cheap, but there is no need to repeat it).
    static let models: [ServedModel] = {
        [digitsPolicy, newsPolicy].enumerated().map { index, policy in
            do { return try ServedModel.load(policy, index: index) } catch { fatalError("\(error)") }
        }
    }()

    /// The digits model's bundled inputs (8 steps x 8 features).
    static let digitsInputs: [[[Float]]] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: modelPath("digits-lstm")).appendingPathComponent("inputs.json"))
        let list = try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return list.map { ($0["sequence"] as! [[NSNumber]]).map { $0.map(\.floatValue) } }
    }()

    static let limits = GuardConfig.Limits(maxMessageBytes: 4096, maxSequenceLength: 64, queueDepth: 64)

    /// A config on a free loopback port.
    static func config(workers: Int = 2, limits: GuardConfig.Limits = limits, metrics: String? = nil,
                       auditLog: String? = nil, curve: GuardConfig.CurveSettings? = nil) -> GuardConfig {
        GuardConfig(listen: ["tcp://127.0.0.1:*"], metrics: metrics, workers: workers, limits: limits,
                    auditLog: auditLog, curve: curve, models: models.map(\.policy))
    }

    /// A started server with the example models, using `models` (possibly with other policies).
    static func startServer(_ config: GuardConfig, models: [ServedModel] = models) throws -> GuardServer {
        var logger = Logger(label: "rnnguard.test")
        logger.logLevel = .error
        let server = try GuardServer(config: config, models: models, logger: logger)
        try server.start()
        return server
    }

    /// Little-endian float32 bytes, as a payload frame.
    static func payload(_ values: [Float]) -> Data {
        var data = Data()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func header(_ fields: [String: Any]) -> Data {
        try! JSONSerialization.data(withJSONObject: fields)
    }

    /// A temporary file path that does not exist yet.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-test-\(UUID().uuidString)-\(name)").path
    }
}
