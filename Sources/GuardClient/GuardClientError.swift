import ZeroMQ

/// Why a client call failed (an error *reply* is not a failure: it comes back as a `Reply`).
public enum GuardClientError: Error, CustomStringConvertible, Sendable {
    /// No reply within the client's timeout.
    case timeout(milliseconds: Int32)
    /// ``LazyPirateClient``: no reply to any of `attempts` sends, each waited for `timeoutMilliseconds`.
    case noReply(attempts: Int, timeoutMilliseconds: Int32)
    /// The socket failed.
    case transport(ZeroMQError)
    /// The reply was not a protocol-v1 JSON reply.
    case malformedReply(String)
    /// The request could not be written as a protocol-v1 header.
    case unencodableRequest(String)

    public var description: String {
        switch self {
        case .timeout(let ms): "no reply within \(ms) ms"
        case .noReply(let attempts, let ms): "no reply after \(attempts) attempts of \(ms) ms each"
        case .transport(let error): "transport: \(error)"
        case .malformedReply(let detail): "malformed reply: \(detail)"
        case .unencodableRequest(let detail): "request cannot be encoded: \(detail)"
        }
    }
}
