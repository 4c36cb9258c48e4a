import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The real transport: a ZeroMQ ROUTER socket bound to every `listen` endpoint (docs/protocol.md), a
/// second ROUTER connected to every `connect` endpoint (the backends of `rnnguard proxy`), and an inproc
/// PUSH/PULL pair whose only job is to wake the poll when a worker finishes.
///
/// Two ROUTERs rather than one because their messages carry different envelopes: a direct client's
/// starts with its routing id, a proxied one's with the proxy connection's id and then the client's id
/// at the proxy's frontend. Which socket a message came from tells how many of those frames there are,
/// so a DEALER client without a delimiter is read correctly either way.
///
/// ZeroMQ sockets are not thread-safe: the ROUTERs and the PULL socket are used by the loop thread alone;
/// the PUSH socket is shared by the workers behind a lock.
final class ZeroMQRouterTransport: ServerTransport, @unchecked Sendable {
    /// The bound endpoints, with wildcard ports resolved (`tcp://127.0.0.1:*` -> `tcp://127.0.0.1:40123`).
    let endpoints: [String]
    /// The ROUTERs, indexed by ``Peer/route``, each with the number of routing-id frames its messages lead with.
    private let routers: [(socket: Socket, hops: Int)]
    private let wakeups: Socket
    private let waker: Mutex<Socket>
    private let poller = Poller()
    private let logger: Logger

    /// Binds a ROUTER to `config.listen` (with CURVE when the config has it) and connects one to
    /// `config.connect`; each only when its list is not empty.
    init(context: Context, config: GuardConfig, logger: Logger) throws(ServerError) {
        self.logger = logger
        var routers: [(socket: Socket, hops: Int)] = []
        do {
            if !config.listen.isEmpty {
                let router = try Socket(context: context, type: .router)
                // Replies to vanished clients fail visibly instead of disappearing; one frame far beyond the
                // request limit drops the connection before it is buffered. Listener options are fixed at bind.
                try router.set([.routerMandatory(true), .maxMessageSize(config.limits.maxFrameBytes),
                                .sendHighWaterMark(GuardConfig.Limits.queuedRepliesPerClient)])
                if let curve = config.curve {
                    try router.set(SocketOption.curveServer(secretKey: curve.secretKey, zapDomain: "rnnguard"))
                }
                routers.append((router, 1))
            }
            if !config.connect.isEmpty {
                // Every proxied client's replies share the one connection to its proxy, which always reads
                // them, so the per-client reply limit would only drop replies here: libzmq's default stays.
                let router = try Socket(context: context, type: .router)
                try router.set([.routerMandatory(true), .maxMessageSize(config.limits.maxFrameBytes), GuardProxy.hopHeartbeat])
                routers.append((router, 2))
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
                try routers[0].socket.bind(endpoint)
                endpoints.append(try routers[0].socket.lastEndpoint)
            } catch {
                throw ServerError("cannot listen on \(endpoint): \(error.message)")
            }
        }
        for endpoint in config.connect {
            do {
                // Returns at once: libzmq connects in the background and reconnects whenever the proxy restarts.
                try routers[routers.count - 1].socket.connect(endpoint)
            } catch {
                throw ServerError("cannot connect to \(endpoint): \(error.message)")
            }
        }
        self.endpoints = endpoints
        self.routers = routers
        for router in routers { poller.register(router.socket) }
        poller.register(wakeups)
    }

    func receive(limit: Int, timeout: Duration) throws -> [InboundMessage] {
        // Whole milliseconds, rounded up, so a short wait does not become a busy loop.
        let milliseconds = (timeout / .milliseconds(1)).rounded(.up)
        let ready = try poller.poll(timeout: Int(min(max(milliseconds, 0), 1000)))
        if ready[routers.count].contains(.readable) {
            while try wakeups.receive(dontWait: true) != nil {}
        }
        var messages: [InboundMessage] = []
        // One message from each socket in turn, so a flood on one cannot hold back the other.
        var reading = true
        while reading && messages.count < limit {
            reading = false
            for (route, router) in routers.enumerated() where messages.count < limit {
                guard let frames = try router.socket.receive(dontWait: true) else { continue }
                reading = true
                // [routing id(s), empty delimiter (REQ, or a DEALER that adds it), body...]
                let hops = min(router.hops, frames.count)
                let delimited = frames.count > hops && frames[hops].isEmpty
                let envelope = Array(frames.prefix(delimited ? hops + 1 : hops))
                messages.append(InboundMessage(peer: Peer(envelope: envelope, route: route),
                                               body: Array(frames.dropFirst(envelope.count))))
            }
        }
        return messages
    }

    func send(_ reply: Data, to peer: Peer) {
        do {
            if try !routers[peer.route].socket.send(peer.envelope + [reply], dontWait: true) {
                logger.warning("reply dropped: the client is not reading its replies (send queue full)")
            }
        } catch {
            // EHOSTUNREACH: the client (or the proxy it came through) disconnected before its reply was ready.
            logger.info("reply not delivered", metadata: ["error": "\(error)"])
        }
    }

    func wake() {
        // A full wake-up queue already holds a pending wake-up, so a failed send loses nothing.
        waker.withLock { _ = try? $0.send(Data(), dontWait: true) }
    }

    /// Closes the sockets, giving the last replies up to a second to leave (call once the loop is done).
    func close() {
        for router in routers {
            try? router.socket.set(.linger(milliseconds: 1000))
            router.socket.close()
        }
        wakeups.close()
        waker.withLock { $0.close() }
    }
}
