import CZeroMQ

/// A failed libzmq call: the operation that failed, the `errno` value libzmq reported and its text.
public struct ZeroMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What the wrapper was doing, e.g. `bind tcp://127.0.0.1:5555`.
    public let operation: String
    /// The `errno` value from `zmq_errno()` (POSIX codes, or libzmq's own such as `ETERM`).
    public let code: Int32
    /// `zmq_strerror(code)`.
    public let message: String

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    /// The error libzmq reported for the call that just failed on this thread.
    static func last(_ operation: @autoclosure () -> String) -> ZeroMQError {
        ZeroMQError(operation: operation(), code: zmq_errno())
    }

    /// The context was terminated (or shut down) while the call was blocked or pending.
    public var isContextTerminated: Bool { code == ETERM }

    /// A non-blocking call found nothing to do, or a timeout expired.
    public var isAgain: Bool { code == EAGAIN }

    /// A signal interrupted the call; retrying is correct.
    public var isInterrupted: Bool { code == EINTR }

    public var description: String { "\(operation): \(message) (errno \(code))" }
}
