import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The real transport: a ZeroMQ ROUTER socket bound to every `listen` endpoint (docs/protocol.md), plus
/// an inproc PUSH/PULL pair whose only job is to wake the poll when a worker finishes.
///
/// ZeroMQ sockets are not thread-safe: the ROUTER and the PULL socket are used by the loop thread alone;
/// the PUSH socket is shared by the workers behind a lock.
final class ZeroMQRouterTransport: ServerTransport, @unchecked Sendable {
    /// The bound endpoints, with wildcard ports resolved (`tcp://127.0.0.1:*` -> `tcp://127.0.0.1:40123`).
    let endpoints: [String]
    private let router: Socket
    private let wakeups: Socket
    private let waker: Mutex<Socket>
    private let poller = Poller()
    private let logger: Logger

    /// Binds the ROUTER to `config.listen`, with CURVE when the config has it.
    init(context: Context, config: GuardConfig, logger: Logger) throws(ServerError) {
        self.logger = logger
        do {
            router = try Socket(context: context, type: .router)
            // Replies to vanished clients fail visibly instead of disappearing; one frame far beyond the
            // request limit drops the connection before it is buffered. Listener options are fixed at bind.
            try router.set([.routerMandatory(true), .maxMessageSize(config.limits.maxFrameBytes),
                            .sendHighWaterMark(GuardConfig.Limits.queuedRepliesPerClient)])
            if let curve = config.curve {
                try router.set(SocketOption.curveServer(secretKey: curve.secretKey, zapDomain: "rnnguard"))
            }
            let wakeEndpoint = "inproc://rnnguard-wake-\(UUID().uuidString)"
            wakeups = try Socket(context: context, type: .pull)
            try wakeups.bind(wakeEndpoint)
            let push = try Socket(context: context, type: .push)
            try push.connect(wakeEndpoint)
            waker = Mutex(push)
        } catch {
            throw ServerError("cannot open sockets: \(error)")
        }
        var endpoints: [String] = []
        for endpoint in config.listen {
            do {
                try router.bind(endpoint)
                endpoints.append(try router.lastEndpoint)
            } catch {
                throw ServerError("cannot listen on \(endpoint): \(error.message)")
            }
        }
        self.endpoints = endpoints
        poller.register(router)
        poller.register(wakeups)
    }

    func receive(limit: Int, timeout: Duration) throws -> [InboundMessage] {
        // Whole milliseconds, rounded up, so a short wait does not become a busy loop.
        let milliseconds = (timeout / .milliseconds(1)).rounded(.up)
        let ready = try poller.poll(timeout: Int(min(max(milliseconds, 0), 1000)))
        if ready[1].contains(.readable) {
            while try wakeups.receive(dontWait: true) != nil {}
        }
        var messages: [InboundMessage] = []
        while messages.count < limit,
              let received = try router.receive(dontWait: true, properties: [Self.peerAddress, Self.userID]) {
            let frames = received.frames, properties = received.properties
            // [routing id, empty delimiter (REQ, or a DEALER that adds it), body...]
            let delimited = frames.count >= 2 && frames[1].isEmpty
            let envelope = Array(frames.prefix(delimited ? 2 : 1))
            // The ZAP handler (CurveAuthenticator) names an admitted client by its public key; without
            // CURVE there is no User-Id (an empty one is treated alike).
            let origin = Origin(address: properties[Self.peerAddress],
                                clientKey: properties[Self.userID].flatMap { $0.isEmpty ? nil : $0 })
            messages.append(InboundMessage(peer: Peer(envelope: envelope), body: Array(frames.dropFirst(envelope.count)),
                                           origin: origin))
        }
        return messages
    }

    /// Message properties libzmq sets per connection (`zmq_msg_gets`).
    private static let peerAddress = "Peer-Address", userID = "User-Id"

    func send(_ reply: Data, to peer: Peer) {
        do {
            if try !router.send(peer.envelope + [reply], dontWait: true) {
                logger.warning("reply dropped: the client is not reading its replies (send queue full)")
            }
        } catch {
            // EHOSTUNREACH: the client disconnected before its reply was ready.
            logger.info("reply not delivered", metadata: ["error": "\(error)"])
        }
    }

    func wake() {
        // A full wake-up queue already holds a pending wake-up, so a failed send loses nothing.
        waker.withLock { _ = try? $0.send(Data(), dontWait: true) }
    }

    /// Closes the sockets, giving the last replies up to a second to leave (call once the loop is done).
    func close() {
        try? router.set(.linger(milliseconds: 1000))
        router.close()
        wakeups.close()
        waker.withLock { $0.close() }
    }
}
