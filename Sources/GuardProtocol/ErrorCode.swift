/// The stable error codes of protocol v1. Clients branch on these strings; a code never changes meaning.
/// docs/protocol.md has the same table.
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    /// The header frame is not a UTF-8 JSON object.
    case badJSON = "bad_json"
    /// A required header field is absent (v, op, model, shape, dtype, or an input).
    case missingField = "missing_field"
    /// A field has the wrong type or an impossible value, an unknown header field, two inputs, or an
    /// input form the model does not take (tokens or text for a features model).
    case badField = "bad_field"
    /// `v` is not a protocol version this server speaks (1).
    case unsupportedVersion = "unsupported_version"
    /// `op` is not predict, certify, models, health or reload.
    case unknownOp = "unknown_op"
    /// `model` names no served model.
    case unknownModel = "unknown_model"
    /// Wrong number of frames (one header, at most one payload), or a payload where none belongs.
    case badFrames = "bad_frames"
    /// `dtype` is not f32.
    case badDType = "bad_dtype"
    /// `shape` does not match the model's input size or the payload's byte count.
    case shapeMismatch = "shape_mismatch"
    /// The input holds NaN or an infinity.
    case nonFinite = "non_finite"
    /// The request is larger than `limits.max_message_bytes`.
    case tooLarge = "too_large"
    /// More steps or tokens than `limits.max_sequence_length`.
    case sequenceTooLong = "sequence_too_long"
    /// A token id outside the model's vocabulary.
    case unknownToken = "unknown_token"
    /// A certify override the model's policy does not allow, or an invalid one.
    case badOverride = "bad_override"
    /// The request queue is full; nothing was computed; retry later.
    case busy
    /// The request's deadline passed while it waited in the queue; nothing was computed.
    case deadline
    /// The server is stopping and takes no new requests.
    case shuttingDown = "shutting_down"
    /// An admin op (`reload`) from a client that is not an admin: not a listed admin CURVE key, or,
    /// without CURVE, not on the server's host.
    case forbidden
    /// `reload` did not load (the message says why); the previous policy and models keep serving.
    case reloadFailed = "reload_failed"
    /// An unexpected failure inside the server (logged); the request may be retried.
    case `internal`
}

extension ErrorCode {
    /// Decodes leniently: docs/protocol.md lets later servers add codes, and a client built against this
    /// table must still read their replies, so a code it does not know reads as `internal` (the reply's
    /// `message` still says what happened).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = ErrorCode(rawValue: text) ?? .internal
    }
}
