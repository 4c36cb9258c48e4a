import Foundation
import GuardProtocol
import POPQORN

/// Appends one JSON line per flagged or refused prediction: when, which model and request, a digest of
/// the input, the certificate, the decision and the policy that made it.
///
/// `input_sha256` is the SHA-256 of the model input as little-endian float32, row by row: for a
/// features request that is exactly the payload frame, so `sha256sum` of a saved payload finds its line.
public final class AuditLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder

    /// Opens (creating, with parent folders) the log at `path` for appending.
    public init(path: String) throws(ServerError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                // A failure shows up as FileHandle's error just below.
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw ServerError("audit_log: cannot open \(path) for appending: \(error.localizedDescription)")
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    }

    deinit { try? handle.close() }

    /// One audit line.
    public struct Record: Encodable, Sendable {
        public var time: String
        public var model: String
        public var requestID: RequestID
        public var inputSHA256: String
        public var steps: Int
        public var label: Int
        public var labelName: String?
        public var radius: Double
        public var complete: Bool
        public var decision: String
        public var flags: [String]
        public var reason: String
        public var policy: Reply.PolicyBody
        public var certificate: Reply.CertificateBody

        enum CodingKeys: String, CodingKey {
            case time, model, requestID = "id", inputSHA256 = "input_sha256", steps, label, labelName = "label_name"
            case radius, complete, decision, flags, reason, policy, certificate
        }
    }

    /// The record of a flagged or refused outcome (nil for anything else).
    public static func record(for outcome: RequestOutcome, policy: Reply.PolicyBody, at date: Date = Date()) -> Record? {
        guard let decision = outcome.decision, decision.action != .accept, let input = outcome.auditInput,
              let model = outcome.model, let prediction = outcome.reply.prediction,
              let certificate = outcome.reply.certificate else { return nil }
        return Record(time: date.formatted(.iso8601), model: model, requestID: outcome.reply.id,
                      inputSHA256: digest(input), steps: input.count, label: prediction.label,
                      labelName: prediction.labelName, radius: certificate.radius, complete: certificate.complete,
                      decision: decision.action.rawValue, flags: decision.flags.map(\.rawValue), reason: decision.reason,
                      policy: policy, certificate: certificate)
    }

    /// SHA-256 of `sequence` as little-endian float32, row-major.
    public static func digest(_ sequence: [[Double]]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sequence.count * (sequence.first?.count ?? 0) * 4)
        for row in sequence {
            for value in row {
                let bits = Float(value).bitPattern.littleEndian
                withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            }
        }
        return SHA256.hex(bytes)
    }

    /// Appends `record` as one line; lines from concurrent workers never interleave.
    public func append(_ record: Record) {
        lock.withLock {
            guard var line = try? encoder.encode(record) else { return }
            line.append(0x0A)
            try? handle.write(contentsOf: line)
        }
    }
}
