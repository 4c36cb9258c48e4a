import Foundation
import GuardProtocol
import ZeroMQ

/// A client that gets an answer even when a sidecar dies with its request: ZeroMQ's Lazy Pirate pattern
/// (docs/protocol.md, "Retries"), for clients of `rnnguard proxy` or of one sidecar.
///
/// One request at a time. ``call(_:)`` waits up to `timeoutMilliseconds` for the reply carrying the
/// request's `id`. Without one it closes the socket, opens a new one (so a late reply to the old socket
/// is dropped by ZeroMQ instead of being read as a later request's) and sends the same request again. A
/// `busy` or `shutting_down` reply means nothing ran: it is resent after a short pause (through a proxy
/// it reaches the next sidecar). After `retries` resends it gives up with
/// ``GuardClientError/noReply(attempts:timeoutMilliseconds:)``. Resending is safe because every
/// operation is pure: running a request twice gives the same reply (only metrics, and the audit log for
/// a flag or refuse, see it twice).
public final class LazyPirateClient: @unchecked Sendable {
    public let endpoint: String
    public let timeoutMilliseconds: Int32
    public let retries: Int
    private let curve: GuardClient.Curve?
    private let context: Context
    private var client: GuardClient
    private var nextID = 0
    /// Requests sent again so far, for any reason.
    public private(set) var resends = 0

    /// Pause before resending after `busy` or `shutting_down`, per attempt made so far.
    static let busyPauseMilliseconds = 50

    public init(endpoint: String, curve: GuardClient.Curve? = nil, timeoutMilliseconds: Int32 = 2500, retries: Int = 3,
                context: Context? = nil) throws(GuardClientError) {
        self.endpoint = endpoint
        self.curve = curve
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retries = max(0, retries)
        do {
            // Not `context ?? Context()`: the autoclosure would erase the typed error.
            if let context { self.context = context } else { self.context = try Context() }
        } catch {
            throw .transport(error)
        }
        client = try GuardClient(endpoint: endpoint, curve: curve, timeoutMilliseconds: timeoutMilliseconds, context: self.context)
    }

    /// A fresh request id, unique for this client.
    public func makeID() -> RequestID {
        nextID += 1
        return .string("p\(nextID)")
    }

    /// Sends `request` (given an id when it has none) and returns its reply, resending as the type's
    /// rule says.
    public func call(_ request: GuardRequest) throws(GuardClientError) -> Reply {
        var request = request
        if request.header.id == .none { request.header.id = makeID() }
        for attempt in 0...retries {
            if attempt > 0 { resends += 1 }
            try client.send(request)
            let reply: Reply
            do throws(GuardClientError) {
                reply = try awaitReply(to: request.header.id)
            } catch {
                guard case .timeout = error else { throw error }
                try reopen()
                continue
            }
            guard attempt < retries, reply.code == .busy || reply.code == .shuttingDown else { return reply }
            Thread.sleep(forTimeInterval: Double(Self.busyPauseMilliseconds * (attempt + 1)) / 1000)
        }
        throw .noReply(attempts: retries + 1, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The next reply with `id`, or with a null id (the server could not read the header, so it is the
    /// answer to this request). Any other is a late one to an earlier request on this socket, skipped.
    private func awaitReply(to id: RequestID) throws(GuardClientError) -> Reply {
        while true {
            let reply = try client.receive()
            if reply.id == id || reply.id == .none { return reply }
        }
    }

    private func reopen() throws(GuardClientError) {
        client.close()
        client = try GuardClient(endpoint: endpoint, curve: curve, timeoutMilliseconds: timeoutMilliseconds, context: context)
    }

    /// Closes the socket now (also done when the client is released).
    public func close() { client.close() }
}
