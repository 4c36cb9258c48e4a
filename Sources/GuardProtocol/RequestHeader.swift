import Foundation

/// The header frame of a protocol-v1 request: a JSON object with exactly these keys. A feature input
/// travels in a second frame, which `shape` and `dtype` describe.
public struct RequestHeader: Codable, Sendable {
    /// The protocol version: 1.
    public var v = 1
    /// Echoed in the reply; `.none` (null) for none.
    public var id: RequestID
    /// What the request asks for.
    public var op: RequestOperation
    /// A model name (see op `models`), for `predict` and `certify`.
    public var model: String?
    /// [steps, features] of the payload frame.
    public var shape: [Int]?
    /// The payload's element type: "f32" (little-endian float32).
    public var dtype: String?
    /// Token ids, instead of a payload.
    public var tokens: [Int]?
    /// Raw text, instead of a payload, for a model with a vocabulary.
    public var text: String?
    /// The client's time budget in ms from arrival; the policy's deadline still caps it.
    public var deadlineMilliseconds: Double?
    /// Per-request certificate overrides: `mode` (threshold|radius), `frames` (all|T|A:B), `target`.
    public var certify: [String: CertifyValue]?

    /// A value in the `certify` override object.
    public enum CertifyValue: Sendable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case text(String)
        case number(Int)

        /// `.text(value)`.
        public init(stringLiteral value: String) { self = .text(value) }
        /// `.number(value)`.
        public init(integerLiteral value: Int) { self = .number(value) }

        /// Reads an integer or a string.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = try (try? container.decode(Int.self)).map(CertifyValue.number) ?? .text(container.decode(String.self))
        }

        /// Writes the bare value.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            }
        }
    }

    /// The JSON keys of a header; any other key is refused (`bad_field`).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case v, id, op, model, shape, dtype, tokens, text, deadlineMilliseconds = "deadline_ms", certify
    }

    /// A header without a payload description; `shape` and `dtype` go with a payload frame.
    public init(id: RequestID, op: RequestOperation, model: String? = nil, tokens: [Int]? = nil, text: String? = nil,
                deadlineMilliseconds: Double? = nil, certify: [String: CertifyValue]? = nil) {
        self.id = id
        self.op = op
        self.model = model
        self.tokens = tokens
        self.text = text
        self.deadlineMilliseconds = deadlineMilliseconds
        self.certify = certify
    }

    /// Reads a header frame; an absent `id` is `.none`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        v = try container.decode(Int.self, forKey: .v)
        id = try container.decodeIfPresent(RequestID.self, forKey: .id) ?? .none
        op = try container.decode(RequestOperation.self, forKey: .op)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        shape = try container.decodeIfPresent([Int].self, forKey: .shape)
        dtype = try container.decodeIfPresent(String.self, forKey: .dtype)
        tokens = try container.decodeIfPresent([Int].self, forKey: .tokens)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        deadlineMilliseconds = try container.decodeIfPresent(Double.self, forKey: .deadlineMilliseconds)
        certify = try container.decodeIfPresent([String: CertifyValue].self, forKey: .certify)
    }

    /// The header as one JSON frame.
    public func jsonFrame() throws -> Data {
        try WireJSON.encoder.encode(self)
    }
}
