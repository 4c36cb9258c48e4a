import GuardProtocol
import POPQORN

/// A handled request: the reply to send and what metrics and the audit log need to know about it.
public struct RequestOutcome: Sendable {
    public var reply: Reply
    public var op: RequestOperation?
    public var model: String?
    public var decision: Decision?
    public var inferenceSeconds: Double?
    public var certifySeconds: Double?
    public var certifyMode: CertifyMode?
    /// The certified radius (complete or partial).
    public var radius: Double?
    /// The model input, for the audit log's digest (flagged and refused predictions only).
    public var auditInput: [[Double]]?

    public init(reply: Reply, op: RequestOperation? = nil, model: String? = nil) {
        self.reply = reply
        self.op = op
        self.model = model
    }

    /// The outcome of a request that failed.
    public init(error: RequestError, op: RequestOperation? = nil, model: String? = nil) {
        self.init(reply: Reply(error: error), op: op, model: model)
    }

    public var errorCode: ErrorCode? { reply.code }
}
