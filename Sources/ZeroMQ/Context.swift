import CZeroMQ
import Synchronization

/// A ZeroMQ context: the I/O threads and the namespace for `inproc://` endpoints.
///
/// Contexts are thread-safe in libzmq, so this type is `Sendable`. Every ``Socket`` keeps a strong
/// reference to its context, so the context is terminated only after its last socket has closed
/// (terminating first would block forever).
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Atomic<Bool>(false)

    /// Creates a context with libzmq's default of one I/O thread.
    public init() throws(ZeroMQError) {
        guard let handle = zmq_ctx_new() else { throw ZeroMQError.last("zmq_ctx_new") }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return with `ETERM` (see
    /// ``ZeroMQError/isContextTerminated``) and refuses new ones. Safe to call from any thread; the
    /// sockets must still be closed by their owners before the context is freed.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// Terminates the context: waits until every socket is closed and each closed socket's unsent
    /// messages are delivered or its `ZMQ_LINGER` time runs out. Idempotent; also done by `deinit`.
    ///
    /// A server calls it after closing its sockets so that its last replies leave before the process exits.
    public func terminate() {
        guard !terminated.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Retry on EINTR: a signal (SIGINT in `serve`) must not leak the context.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    deinit { terminate() }

    /// The libzmq version this binary runs against, e.g. `4.3.4`.
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// Whether libzmq was built with CurveZMQ (Debian's build is).
    public static var hasCurve: Bool { zmq_has("curve") != 0 }
}
