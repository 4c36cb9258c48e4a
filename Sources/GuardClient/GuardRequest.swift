import Foundation

/// A protocol-v1 request as the client sends it: a JSON header frame and, for feature inputs, a
/// little-endian float32 payload frame.
public struct GuardRequest: Sendable {
    public var id: String
    public var op: String
    public var model: String?
    /// Steps x features, sent as the payload frame with `shape` and `dtype: "f32"`.
    public var sequence: [[Float]]?
    public var tokens: [Int]?
    public var text: String?
    public var deadlineMilliseconds: Double?
    /// Per-request certificate overrides: `mode` (threshold|radius), `frames` (all|T|A:B), `target`.
    public var certify: [String: CertifyValue]?

    /// A value in the `certify` override object.
    public enum CertifyValue: Sendable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case text(String)
        case number(Int)

        public init(stringLiteral value: String) { self = .text(value) }
        public init(integerLiteral value: Int) { self = .number(value) }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            }
        }
    }

    public init(id: String, op: String, model: String? = nil, sequence: [[Float]]? = nil, tokens: [Int]? = nil,
                text: String? = nil, deadlineMilliseconds: Double? = nil, certify: [String: CertifyValue]? = nil) {
        self.id = id
        self.op = op
        self.model = model
        self.sequence = sequence
        self.tokens = tokens
        self.text = text
        self.deadlineMilliseconds = deadlineMilliseconds
        self.certify = certify
    }

    private struct Header: Encodable {
        let v = 1
        let id: String
        let op: String
        let model: String?
        let shape: [Int]?
        let dtype: String?
        let tokens: [Int]?
        let text: String?
        let deadlineMilliseconds: Double?
        let certify: [String: CertifyValue]?

        enum CodingKeys: String, CodingKey {
            case v, id, op, model, shape, dtype, tokens, text, deadlineMilliseconds = "deadline_ms", certify
        }
    }

    /// The message body: header, then the payload when there is a sequence.
    public func frames() -> [Data] {
        let shape = sequence.map { [$0.count, $0.first?.count ?? 0] }
        let header = Header(id: id, op: op, model: model, shape: shape, dtype: sequence == nil ? nil : "f32",
                            tokens: tokens, text: text, deadlineMilliseconds: deadlineMilliseconds, certify: certify)
        // Encoding these plain fields cannot fail.
        var frames = [try! JSONEncoder().encode(header)]
        if let sequence {
            var payload = Data(capacity: sequence.count * (sequence.first?.count ?? 0) * 4)
            for row in sequence {
                for value in row { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
            }
            frames.append(payload)
        }
        return frames
    }
}
