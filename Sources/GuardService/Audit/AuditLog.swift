import Crypto
import Foundation
import GuardProtocol
import POPQORN

/// Appends one JSON line per flagged or refused prediction: when, which model and request, a digest of
/// the input, the certificate, the decision and the policy that made it.
///
/// `input_hmac_sha256` is HMAC-SHA256, keyed with the configured secret (`audit_key_file`), of the model
/// input as little-endian float32, row by row: for a features request that is exactly the payload frame,
/// so `openssl dgst -sha256 -mac HMAC -macopt key:KEY` of a saved payload finds its line. A plain hash
/// of a text input could be reversed by hashing guessed texts; a keyed one cannot without the key.
/// Without a key file a random key is drawn per process, so digests then link requests within one run only.
///
/// The file is created readable by its owner only (0600): it describes refused inputs.
public final class AuditLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder
    private let key: SymmetricKey

    /// Shortest accepted key: HMAC-SHA256 keys shorter than 16 bytes are guessable.
    public static let minimumKeyBytes = 16

    /// Opens (creating, with parent folders, mode 0600) the log at `path` for appending; digests are keyed
    /// with the bytes of `keyFile` (trailing whitespace removed), or a random key when nil.
    public init(path: String, keyFile: String? = nil) throws(ServerError) {
        key = try Self.key(from: keyFile)
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                // A failure shows up as FileHandle's error just below.
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
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

    private static func key(from keyFile: String?) throws(ServerError) -> SymmetricKey {
        guard let keyFile else { return SymmetricKey(size: .bits256) }
        guard var bytes = FileManager.default.contents(atPath: keyFile).map(Array.init) else {
            throw ServerError("audit_key_file: cannot read \(keyFile)")
        }
        while let last = bytes.last, [0x0A, 0x0D, 0x20, 0x09].contains(last) { bytes.removeLast() }
        guard bytes.count >= minimumKeyBytes else {
            throw ServerError("audit_key_file: \(keyFile) holds \(bytes.count) bytes; the key needs at least \(minimumKeyBytes)")
        }
        return SymmetricKey(data: bytes)
    }

    /// One audit line.
    public struct Record: Encodable, Sendable {
        public var time: String
        public var model: String
        public var requestID: RequestID
        public var inputDigest: String
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
            case time, model, requestID = "id", inputDigest = "input_hmac_sha256", steps, label, labelName = "label_name"
            case radius, complete, decision, flags, reason, policy, certificate
        }
    }

    /// The record of a flagged or refused outcome (nil for anything else).
    public func record(for outcome: RequestOutcome, policy: Reply.PolicyBody, at date: Date = Date()) -> Record? {
        guard let decision = outcome.decision, decision.action != .accept, let input = outcome.auditInput,
              let model = outcome.model, let prediction = outcome.reply.prediction,
              let certificate = outcome.reply.certificate else { return nil }
        return Record(time: date.formatted(.iso8601), model: model, requestID: outcome.reply.id,
                      inputDigest: digest(input), steps: input.count, label: prediction.label,
                      labelName: prediction.labelName, radius: certificate.radius, complete: certificate.complete,
                      decision: decision.action.rawValue, flags: decision.flags.map(\.rawValue), reason: decision.reason,
                      policy: policy, certificate: certificate)
    }

    /// HMAC-SHA256 of `sequence` as little-endian float32, row-major, in lowercase hex.
    public func digest(_ sequence: [[Double]]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sequence.count * (sequence.first?.count ?? 0) * 4)
        for row in sequence {
            for value in row {
                let bits = Float(value).bitPattern.littleEndian
                withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            }
        }
        return Self.hmacHex(bytes, key: key)
    }

    /// HMAC-SHA256 of `bytes` under `key`, in lowercase hex.
    static func hmacHex(_ bytes: [UInt8], key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: bytes, using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// HMAC-SHA256 of `bytes` under the raw key bytes `key`, in lowercase hex (what an auditor recomputes).
    public static func hmacHex(_ bytes: [UInt8], key: [UInt8]) -> String { hmacHex(bytes, key: SymmetricKey(data: key)) }

    /// Appends `record` as one line; lines from concurrent workers never interleave.
    public func append(_ record: Record) {
        lock.withLock {
            guard var line = try? encoder.encode(record) else { return }
            line.append(0x0A)
            try? handle.write(contentsOf: line)
        }
    }
}
