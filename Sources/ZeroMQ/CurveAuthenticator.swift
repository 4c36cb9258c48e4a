import Foundation
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27) that admits CurveZMQ clients whose public key is on an allow list.
///
/// Without a ZAP handler a CURVE server accepts every client that knows the server's public key, so
/// an allow list needs this: it binds `inproc://zeromq.zap.01` in the server's context and answers
/// each handshake on its own thread. Start it before the CURVE server socket binds. A client that is
/// refused gets no connection and therefore no service at all.
public final class CurveAuthenticator: Sendable {
    /// Called after each decision with the client's Z85 public key and whether it was admitted.
    public typealias DecisionHandler = @Sendable (_ clientKey: String, _ admitted: Bool) -> Void

    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds the ZAP endpoint in `context` and starts answering.
    ///
    /// - Parameter allowedClientKeys: Z85 public keys of the admitted clients.
    public init(context: Context, allowedClientKeys: Set<String>,
                onDecision: DecisionHandler? = nil) throws(ZeroMQError) {
        let socket = try Socket(context: context, type: .rep)
        try socket.set(.receiveTimeout(milliseconds: 100))
        try socket.bind("inproc://zeromq.zap.01")
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopRequested.load(ordering: .relaxed) {
                do {
                    guard let request = try socket.receive() else { continue }
                    try socket.send(Self.reply(to: request, allowed: allowedClientKeys, onDecision: onDecision))
                } catch {
                    // ETERM: the context is shutting down; nothing more to authenticate.
                    break
                }
            }
            socket.close()
        }
        thread.name = "zap-handler"
        thread.start()
    }

    /// Stops the handler thread and waits for it (at most one receive timeout, 100 ms).
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }

    /// The ZAP reply: version, request id, status code, status text, user id, metadata.
    private static func reply(to request: [Data], allowed: Set<String>, onDecision: DecisionHandler?) -> [Data] {
        let version = request.first ?? Data("1.0".utf8)
        let requestID = request.count > 1 ? request[1] : Data()
        var clientKey = ""
        if request.count >= 7, String(decoding: request[5], as: UTF8.self) == "CURVE",
           let key = CurveKeyPair.z85Encode([UInt8](request[6])) {
            clientKey = key
        }
        let admitted = !clientKey.isEmpty && allowed.contains(clientKey)
        onDecision?(clientKey, admitted)
        return [version, requestID, Data((admitted ? "200" : "400").utf8),
                Data((admitted ? "OK" : "client key not allowed").utf8),
                Data(clientKey.utf8), Data()]
    }
}
