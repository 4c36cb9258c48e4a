import GuardProtocol
import POPQORN

extension RequestOperation {
    /// Whether the operation runs a model (and so goes through the worker queue).
    var runsModel: Bool { self == .predict || self == .certify }
}

/// A decoded protocol-v1 request: the header's fields checked for type and form, the payload turned into
/// numbers. Checks that need the model (its input size, vocabulary, policy) happen in ``RequestHandler``.
public struct Request: Sendable {
    public var id: RequestID
    public var op: RequestOperation
    /// The model name (present for `predict` and `certify`).
    public var model: String?
    /// The input (present for `predict` and `certify`).
    public var input: Input?
    /// The client's time budget in ms from arrival; the policy's deadline still caps it.
    public var deadlineMilliseconds: Double?
    public var overrides: CertifyOverrides

    public init(id: RequestID, op: RequestOperation, model: String? = nil, input: Input? = nil,
                deadlineMilliseconds: Double? = nil, overrides: CertifyOverrides = CertifyOverrides()) {
        self.id = id
        self.op = op
        self.model = model
        self.input = input
        self.deadlineMilliseconds = deadlineMilliseconds
        self.overrides = overrides
    }

    /// The three ways to send an input.
    public enum Input: Sendable {
        /// From the payload frame: `shape[0]` steps of `shape[1]` features.
        case features([[Double]])
        /// `tokens`: ids for a model with an embedding.
        case tokens([Int])
        /// `text`: for a model with a vocabulary.
        case text(String)
    }
}

/// Per-request certificate settings (`certify` in the header); what is allowed is up to the policy.
public struct CertifyOverrides: Sendable {
    public var mode: CertifyMode?
    public var frames: FrameSelection?
    /// Certify against this one class only (a targeted certificate).
    public var target: Int?

    public init(mode: CertifyMode? = nil, frames: FrameSelection? = nil, target: Int? = nil) {
        self.mode = mode
        self.frames = frames
        self.target = target
    }
}
