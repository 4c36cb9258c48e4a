/// The stable error codes of protocol v1. Clients branch on these strings; they never change meaning.
/// docs/protocol.md has the same table.
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case badJSON = "bad_json"
    case missingField = "missing_field"
    case badField = "bad_field"
    case unsupportedVersion = "unsupported_version"
    case unknownOp = "unknown_op"
    case unknownModel = "unknown_model"
    case badFrames = "bad_frames"
    case badDType = "bad_dtype"
    case shapeMismatch = "shape_mismatch"
    case nonFinite = "non_finite"
    case tooLarge = "too_large"
    case sequenceTooLong = "sequence_too_long"
    case unknownToken = "unknown_token"
    case badOverride = "bad_override"
    case busy
    case deadline
    case shuttingDown = "shutting_down"
    case `internal`

    /// When the code is returned; the table in docs/protocol.md.
    public var meaning: String {
        switch self {
        case .badJSON: "the header frame is not a UTF-8 JSON object"
        case .missingField: "a required header field is absent (v, op, model, shape, dtype, or an input)"
        case .badField: "a header field has the wrong type or an impossible value, or an input form the model does not take (tokens or text for a features model)"
        case .unsupportedVersion: "v is not a protocol version this server speaks (1)"
        case .unknownOp: "op is not predict, certify, models or health"
        case .unknownModel: "model names no served model"
        case .badFrames: "wrong number of frames (one header, at most one payload) or a payload where none belongs"
        case .badDType: "dtype is not f32"
        case .shapeMismatch: "shape does not match the model's input size, or the payload's byte count"
        case .nonFinite: "the input holds NaN or an infinity"
        case .tooLarge: "the request is larger than limits.max_message_bytes"
        case .sequenceTooLong: "more steps or tokens than limits.max_sequence_length"
        case .unknownToken: "a token id outside the model's vocabulary"
        case .badOverride: "a certify override the model's policy does not allow, or an invalid one"
        case .busy: "the request queue is full; retry later (nothing was computed)"
        case .deadline: "the request's deadline passed while it waited in the queue"
        case .shuttingDown: "the server is stopping and takes no new requests"
        case .internal: "an unexpected failure inside the server (logged); the request may be retried"
        }
    }
}
