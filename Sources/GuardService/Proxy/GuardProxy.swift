import Foundation
import Logging
import Synchronization
import ZeroMQ

/// `rnnguard proxy`: one endpoint in front of many sidecars, on libzmq's own `zmq_proxy_steerable`.
///
/// Clients connect to the ROUTER **frontend**; sidecars (`rnnguard serve --connect`) connect their ROUTER
/// to the DEALER **backend**. The DEALER hands each request to the next connected sidecar in turn
/// (round-robin, blind to their load: a sidecar whose queue is full answers `busy`, and a client retries,
/// docs/protocol.md), and each reply finds its client again by the routing ids in its envelope. The proxy
/// never parses a message. A controller thread asks libzmq for its counters every
/// ``Settings/statisticsInterval`` and exports them as ``ProxyMetrics``.
///
/// Lifecycle as ``GuardServer``: ``start()`` binds and returns; ``stop()`` (any thread) ends the proxy
/// (requests in flight inside it are dropped; clients retry); ``wait()`` blocks until it is closed.
public final class GuardProxy: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Where clients connect, e.g. `tcp://*:5555`.
        public var frontend: String
        /// Where sidecars connect, e.g. `tcp://*:5556`.
        public var backend: String
        /// The `/metrics` endpoint (nil: none).
        public var metrics: MetricsAddress?
        /// The sidecars' `limits.max_message_bytes`: a frame beyond their hard cap
        /// (``GuardConfig/Limits/maxFrameBytes``) is dropped with its client's connection here already,
        /// instead of reaching a sidecar, which would drop its connection to the proxy.
        public var maxMessageBytes: Int
        public var statisticsInterval: Duration

        public init(frontend: String, backend: String, metrics: MetricsAddress? = nil,
                    maxMessageBytes: Int = GuardConfig.Limits().maxMessageBytes, statisticsInterval: Duration = .seconds(5)) {
            self.frontend = frontend
            self.backend = backend
            self.metrics = metrics
            self.maxMessageBytes = maxMessageBytes
            self.statisticsInterval = statisticsInterval
        }
    }

    /// Heartbeats on the proxy-sidecar hop (both ends): a sidecar whose host vanished stops getting
    /// requests after 5 s, and a sidecar reconnects as soon as a restarted proxy is back.
    static let hopHeartbeat = SocketOption.heartbeat(intervalMilliseconds: 1000, timeoutMilliseconds: 5000)

    public let settings: Settings
    public let metrics: ProxyMetrics
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<(proxy: SteerableProxy?, stopRequested: Bool, endpoints: (frontend: String, backend: String)?,
                               failure: String?)>((nil, false, nil, nil))
    /// Wakes the statistics thread early when the proxy ends.
    private let statisticsWake = DispatchSemaphore(value: 0)

    public init(settings: Settings, logger: Logger = Logger(label: "rnnguard.proxy"), metrics: ProxyMetrics = ProxyMetrics()) {
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    /// The bound frontend and backend endpoints, wildcard ports resolved; nil before ``start()``.
    public var endpoints: (frontend: String, backend: String)? { state.withLock { $0.endpoints } }

    /// Why the proxy ended on its own (a libzmq error), or nil after a normal ``stop()``. Read after ``wait()``.
    public var failure: String? { state.withLock { $0.failure } }

    /// Binds both sockets and the metrics endpoint, and starts the proxy and statistics threads.
    public func start() throws(ServerError) {
        try state.withLock { state throws(ServerError) in
            guard state.proxy == nil else { throw ServerError("the proxy was already started") }
        }
        let context: Context
        let frontend: Socket, backend: Socket, proxy: SteerableProxy
        do {
            context = try Context()
            frontend = try Socket(context: context, type: .router)
            // No ROUTER_MANDATORY here: a reply for a client that left (or that resent on a new socket,
            // Lazy Pirate) must be dropped quietly; with it, libzmq's proxy would fail and end.
            try frontend.set(.maxMessageSize(GuardConfig.Limits(maxMessageBytes: settings.maxMessageBytes).maxFrameBytes))
            backend = try Socket(context: context, type: .dealer)
            try backend.set(Self.hopHeartbeat)
            proxy = try SteerableProxy(frontend: frontend, backend: backend)
        } catch {
            throw ServerError("cannot open sockets: \(error)")
        }
        let bound = (frontend: try Self.bind(frontend, to: settings.frontend), backend: try Self.bind(backend, to: settings.backend))
        let httpServer = try settings.metrics.map { address throws(ServerError) in
            try MetricsHTTPServer(address: address, metrics: metrics)
        }
        let stopAtOnce = state.withLock { state in
            state.proxy = proxy
            state.endpoints = bound
            return state.stopRequested
        }
        if stopAtOnce { try? proxy.terminate() }

        let statisticsDone = DispatchSemaphore(value: 0)
        let statistics = Thread { [self] in
            pollStatistics(proxy)
            statisticsDone.signal()
        }
        statistics.name = "proxy-statistics"
        statistics.start()

        let thread = Thread { [self, httpServer] in
            do {
                try proxy.run()
            } catch {
                state.withLock { $0.failure = "\(error)" }
                logger.critical("the proxy failed", metadata: ["error": "\(error)"])
            }
            state.withLock { $0.stopRequested = true }
            statisticsWake.signal()
            statisticsDone.wait()
            proxy.close()
            frontend.close()
            backend.close()
            httpServer?.stop()
            context.terminate()
            logger.info("stopped")
            finished.signal()
        }
        thread.name = "proxy"
        thread.start()
        logger.info("proxying", metadata: ["frontend": "\(bound.frontend)", "backend": "\(bound.backend)",
                                           "metrics": "\(httpServer.map { "port \($0.port)" } ?? "off")"])
    }

    private static func bind(_ socket: Socket, to endpoint: String) throws(ServerError) -> String {
        do {
            try socket.bind(endpoint)
            return try socket.lastEndpoint
        } catch {
            throw ServerError("cannot listen on \(endpoint): \(error.message)")
        }
    }

    /// Until the proxy ends: every interval, libzmq's counters into ``metrics``. A proxy that does not
    /// answer in a second is logged once per outage, not once per interval.
    private func pollStatistics(_ proxy: SteerableProxy) {
        var answering = true
        while true {
            _ = statisticsWake.wait(timeout: .now() + .nanoseconds(Int(settings.statisticsInterval / .nanoseconds(1))))
            if state.withLock({ $0.stopRequested }) { return }
            let statistics = try? proxy.statistics(timeoutMilliseconds: 1000)
            if let statistics { metrics.update(statistics) }
            if answering && statistics == nil { logger.warning("the proxy did not report its statistics") }
            answering = statistics != nil
        }
    }

    /// Ends the proxy; returns at once. Messages inside it are dropped (their clients time out and resend).
    public func stop() {
        let (proxy, first) = state.withLock { state in
            defer { state.stopRequested = true }
            return (state.proxy, !state.stopRequested)
        }
        guard first else { return }
        logger.info("stopping")
        try? proxy?.terminate()
    }

    /// Blocks until the proxy has closed (after ``stop()`` or a failure).
    public func wait() {
        finished.wait()
        finished.signal()  // let any other waiter through too
    }
}
