import Foundation
import GuardProtocol
import ZeroMQ

/// A client of the rnnguard sidecar (protocol v1) over one DEALER socket.
///
/// Calls may be pipelined: ``send(_:)`` several requests, then ``receive()`` their replies and match them
/// by id. Like the socket under it, a client belongs to one thread at a time.
public final class GuardClient: @unchecked Sendable {
    private let socket: Socket
    private let timeoutMilliseconds: Int32
    private var nextID = 0

    /// CurveZMQ credentials: the server's public key and this client's key pair.
    public struct Curve: Sendable {
        public var serverPublicKey: String
        public var clientKeys: CurveKeyPair

        public init(serverPublicKey: String, clientKeys: CurveKeyPair) {
            self.serverPublicKey = serverPublicKey
            self.clientKeys = clientKeys
        }
    }

    /// Connects to `endpoint` (the connection itself is made in the background and retried).
    ///
    /// - Parameters:
    ///   - context: share one context between many clients in a process; a new one by default.
    ///   - timeoutMilliseconds: how long ``receive()`` waits for a reply.
    public init(endpoint: String, curve: Curve? = nil, timeoutMilliseconds: Int32 = 10_000,
                context: Context? = nil) throws(GuardClientError) {
        do {
            // Not `context ?? Context()`: the autoclosure would erase the typed error.
            let shared: Context
            if let context { shared = context } else { shared = try Context() }
            socket = try Socket(context: shared, type: .dealer)
            try socket.set(.receiveTimeout(milliseconds: timeoutMilliseconds))
            if let curve {
                try socket.set([.curveServerKey(curve.serverPublicKey), .curvePublicKey(curve.clientKeys.publicKey),
                                .curveSecretKey(curve.clientKeys.secretKey)])
            }
            try socket.connect(endpoint)
        } catch {
            throw .transport(error)
        }
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// A fresh request id, unique for this client.
    public func makeID() -> RequestID {
        nextID += 1
        return .string("c\(nextID)")
    }

    /// Sends a request without waiting for its reply.
    public func send(_ request: GuardRequest) throws(GuardClientError) {
        try sendRaw(request.frames())
    }

    /// Sends arbitrary body frames (the empty delimiter is added), e.g. to test malformed requests.
    public func sendRaw(_ frames: [Data]) throws(GuardClientError) {
        do {
            try socket.send([Data()] + frames)
        } catch {
            throw .transport(error)
        }
    }

    /// The next reply, in arrival order.
    public func receive() throws(GuardClientError) -> Reply {
        let frames: [Data]?
        do {
            frames = try socket.receive()
        } catch {
            throw .transport(error)
        }
        guard let frames else { throw .timeout(milliseconds: timeoutMilliseconds) }
        // [empty delimiter, reply]
        guard frames.count == 2, frames[0].isEmpty else {
            throw .malformedReply("expected a delimiter and one JSON frame, got \(frames.count) frames")
        }
        do {
            return try Reply(jsonFrame: frames[1])
        } catch {
            throw .malformedReply(String(decoding: frames[1].prefix(200), as: UTF8.self))
        }
    }

    /// Sends `request` and waits for its reply.
    public func call(_ request: GuardRequest) throws(GuardClientError) -> Reply {
        try send(request)
        return try receive()
    }

    /// The server's liveness and load (`health`).
    public func health() throws(GuardClientError) -> Reply {
        try call(GuardRequest(id: makeID(), op: .health))
    }

    /// Re-reads the sidecar's policy and models (`reload`, an admin op): the models served from now on,
    /// or `reload_failed` / `forbidden`.
    public func reload() throws(GuardClientError) -> Reply {
        try call(GuardRequest(id: makeID(), op: .reload))
    }

    /// The served models and their policies (`models`).
    public func models() throws(GuardClientError) -> Reply {
        try call(GuardRequest(id: makeID(), op: .models))
    }

    /// The model's prediction for a feature sequence (steps x features).
    public func predict(model: String, sequence: [[Float]]) throws(GuardClientError) -> Reply {
        try call(GuardRequest(id: makeID(), op: .predict, model: model, sequence: sequence))
    }

    /// Prediction, certificate and decision for a feature sequence.
    public func certify(model: String, sequence: [[Float]], deadlineMilliseconds: Double? = nil,
                        overrides: [String: RequestHeader.CertifyValue]? = nil) throws(GuardClientError) -> Reply {
        try call(GuardRequest(id: makeID(), op: .certify, model: model, sequence: sequence,
                              deadlineMilliseconds: deadlineMilliseconds, certify: overrides))
    }

    /// Closes the socket now (also done when the client is released).
    public func close() { socket.close() }
}
