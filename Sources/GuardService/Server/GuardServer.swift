import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The rnnguard sidecar: protocol v1 (docs/protocol.md) on a ZeroMQ ROUTER socket, a bounded queue, a
/// pool of worker threads, Prometheus metrics and the audit log.
///
/// This class only assembles the parts and owns their lifetime: the ZeroMQ transport, the
/// ``ServerLoop`` on its own I/O thread (which drives the ``ServerCore`` state machine, where admission,
/// deadlines and draining are decided), the workers, the metrics endpoint and CURVE authentication.
///
/// Lifecycle: ``start()`` binds and returns; ``stop()`` (any thread, e.g. a signal handler) makes the
/// server answer new requests with `shutting_down`, finish and answer every queued and running request,
/// then close; ``wait()`` blocks until that is done.
public final class GuardServer: @unchecked Sendable {
    public let config: GuardConfig
    public let metrics: GuardMetrics
    private let handler: RequestHandler
    private let logger: Logger
    private let audit: AuditLog?
    private let clock = SystemClock()
    private let startedAt: ContinuousClock.Instant

    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<(started: Bool, stopRequested: Bool, loop: ServerLoop?, endpoints: [String], metricsPort: UInt16?)>(
        (false, false, nil, [], nil))

    /// Loads every model of `config` and opens the audit log; nothing listens until ``start()``.
    public convenience init(config: GuardConfig, logger: Logger = Logger(label: "rnnguard.server"),
                            metrics: GuardMetrics = GuardMetrics()) throws(ServerError) {
        try self.init(config: config, models: Self.loadModels(config), logger: logger, metrics: metrics)
    }

    /// Every model `config` names, or the first one's error.
    private static func loadModels(_ config: GuardConfig) throws(ServerError) -> [ServedModel] {
        var models: [ServedModel] = []
        for (index, policy) in config.models.enumerated() {
            do {
                models.append(try ServedModel.load(policy, index: index))
            } catch {
                throw ServerError(error.message)
            }
        }
        return models
    }

    /// A server for already loaded models (their policies are the ones served).
    public init(config: GuardConfig, models: [ServedModel], logger: Logger = Logger(label: "rnnguard.server"),
                metrics: GuardMetrics = GuardMetrics()) throws(ServerError) {
        self.config = config
        self.metrics = metrics
        self.logger = logger
        self.handler = RequestHandler(models: models, limits: config.limits, clock: clock)
        self.startedAt = clock.now()
        self.audit = try config.auditLog.map { path throws(ServerError) in try AuditLog(path: path, keyFile: config.auditKeyFile) }
    }

    /// The bound endpoints, with wildcard ports resolved (`tcp://127.0.0.1:*` -> `tcp://127.0.0.1:40123`).
    public var endpoints: [String] { state.withLock { $0.endpoints } }

    /// The port of the `/metrics` endpoint, when one is configured.
    public var metricsPort: UInt16? { state.withLock { $0.metricsPort } }

    /// Messages read from the ROUTER socket so far (valid or not).
    public var requestsReceived: Int { state.withLock { $0.loop?.requestsReceived } ?? 0 }

    /// Binds the endpoints and starts the I/O thread, the workers and the metrics endpoint.
    public func start() throws(ServerError) {
        try state.withLock { state throws(ServerError) in
            guard !state.started else { throw ServerError("the server was already started") }
            state.started = true
        }
        var authenticator: CurveAuthenticator?
        var httpServer: MetricsHTTPServer?
        do {
            let context = try Context()
            authenticator = try config.curve.map { curve throws(ZeroMQError) in
                try CurveAuthenticator(context: context, allowedClientKeys: curve.allowedClients) { [logger] key, admitted in
                    if !admitted { logger.warning("refused a CURVE client", metadata: ["client_key": "\(key)"]) }
                }
            }
            httpServer = try config.metrics.flatMap(MetricsAddress.init).map { address throws(ServerError) in
                try MetricsHTTPServer(address: address, metrics: metrics)
            }
            let transport = try ZeroMQRouterTransport(context: context, config: config, logger: logger)
            // Last: once the workers run, nothing below can fail.
            let catalog = handler.models.map(\.info)
            let core = ServerCore(workers: config.workers, queueCapacity: config.limits.queueDepth, limits: config.limits,
                                  models: catalog, startedAt: startedAt)
            let recorder = ObservabilityRecorder(metrics: metrics, audit: audit, logger: logger, models: catalog)
            let loop = ServerLoop(core: core, transport: transport, handler: handler, recorder: recorder, clock: clock,
                                  logger: logger)
            let stopAtOnce = state.withLock { state in
                state.loop = loop
                state.endpoints = transport.endpoints
                state.metricsPort = httpServer?.port
                return state.stopRequested
            }
            if stopAtOnce { loop.requestStop() }

            let thread = Thread { [self, authenticator, httpServer] in
                loop.run(pollInterval: .milliseconds(100))
                httpServer?.stop()
                transport.close()
                authenticator?.stop()
                context.terminate()
                logger.info("stopped", metadata: ["requests": "\(loop.requestsReceived)"])
                finished.signal()
            }
            thread.name = "guard-io"
            thread.start()
            logger.info("serving", metadata: [
                "endpoints": "\(transport.endpoints.joined(separator: " "))",
                "proxies": "\(config.connect.isEmpty ? "none" : config.connect.joined(separator: " "))", "workers": "\(config.workers)",
                "models": "\(handler.models.map(\.policy.name).joined(separator: " "))",
                "metrics": "\(httpServer.map { "port \($0.port)" } ?? "off")",
                "curve": "\(config.curve == nil ? "off" : "on")"])
        } catch {
            httpServer?.stop()
            authenticator?.stop()
            throw (error as? ServerError) ?? ServerError("cannot start: \(error)")
        }
    }

    /// Hot reload: re-reads the policy at `path` and every model it names, and only when all of it is
    /// valid swaps them in (from the next request on; requests already running finish with the old
    /// set). On any error it throws, counts the failure in metrics and keeps serving the old set.
    /// Only `models` take effect: endpoints, proxies, workers, limits, metrics and CURVE need a restart (a change
    /// there is logged as ignored).
    public func reload(from path: String) throws(ServerError) {
        let running = state.withLock { $0.loop }
        do throws(ServerError) {
            let settings: GuardConfig
            do {
                settings = try GuardConfig.load(from: path)
            } catch {
                throw ServerError(error.message)
            }
            let models = try Self.loadModels(settings)
            // `connect` is not compared: `serve --connect` replaces the file's list, so they may differ by design.
            if settings.listen != config.listen || settings.workers != config.workers || settings.limits != config.limits
                || settings.metrics != config.metrics || (settings.curve == nil) != (config.curve == nil) {
                logger.warning("reload: only models change live; listen, connect, workers, limits, metrics and curve need a restart")
            }
            guard let loop = running else { throw ServerError("the server is not running") }
            loop.requestReload(RequestHandler(models: models, limits: config.limits, clock: clock))
        } catch {
            running?.reportReloadFailure(error.message)
            throw error
        }
    }

    /// Stops accepting new requests; queued and running ones are still answered. Returns at once.
    public func stop() {
        let (loop, first) = state.withLock { state in
            defer { state.stopRequested = true }
            return (state.loop, !state.stopRequested)
        }
        if first { logger.info("stopping: finishing in-flight requests") }
        loop?.requestStop()
    }

    /// Blocks until the server has answered its in-flight requests and closed (after ``stop()``).
    public func wait() {
        finished.wait()
        finished.signal()  // let any other waiter through too
    }
}
