import Foundation
import GuardProtocol
import Logging
import Synchronization
import ZeroMQ

/// The rnnguard sidecar: a ZeroMQ ROUTER socket speaking protocol v1 (docs/protocol.md), a bounded queue,
/// a pool of worker threads, Prometheus metrics and the audit log.
///
/// Threads: one I/O thread owns the ROUTER socket and the inproc PULL socket on which workers hand back
/// replies; it decodes every request, answers malformed ones, `models` and `health` itself, queues model
/// requests and answers `busy` at once when the queue is full. Workers never touch the ROUTER.
///
/// Lifecycle: ``start()`` binds and returns; ``stop()`` (any thread, e.g. a signal handler) makes the
/// server answer new requests with `shutting_down`, finish and answer every queued and running request,
/// then close; ``wait()`` blocks until that is done.
public final class GuardServer: @unchecked Sendable {
    public let config: GuardConfig
    public let metrics: GuardMetrics
    private let handler: RequestHandler
    private let decoder: RequestDecoder
    private let logger: Logger
    private let audit: AuditLog?
    private let queue: WorkQueue<Job>
    private let startedAt = ContinuousClock.now

    private let stopRequested = Atomic<Bool>(false)
    private let received = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<(started: Bool, endpoints: [String], metricsPort: UInt16?)>((false, [], nil))

    /// Loads every model of `config` and opens the audit log; nothing listens until ``start()``.
    public convenience init(config: GuardConfig, logger: Logger = Logger(label: "rnnguard.server"),
                            metrics: GuardMetrics = GuardMetrics()) throws(ServerError) {
        var models: [ServedModel] = []
        for (index, policy) in config.models.enumerated() {
            do {
                models.append(try ServedModel.load(policy, index: index))
            } catch {
                throw ServerError(error.message)
            }
        }
        try self.init(config: config, models: models, logger: logger, metrics: metrics)
    }

    /// A server for already loaded models (their policies are the ones served).
    public init(config: GuardConfig, models: [ServedModel], logger: Logger = Logger(label: "rnnguard.server"),
                metrics: GuardMetrics = GuardMetrics()) throws(ServerError) {
        self.config = config
        self.metrics = metrics
        self.logger = logger
        self.handler = RequestHandler(models: models, limits: config.limits)
        self.decoder = RequestDecoder(limits: config.limits)
        self.queue = WorkQueue(capacity: config.limits.queueDepth)
        self.audit = try config.auditLog.map { path throws(ServerError) in try AuditLog(path: path, keyFile: config.auditKeyFile) }
        metrics.setServedModels(models.map(\.policy.name))
    }

    /// The bound endpoints, with wildcard ports resolved (`tcp://127.0.0.1:*` -> `tcp://127.0.0.1:40123`).
    public var endpoints: [String] { state.withLock { $0.endpoints } }

    /// The port of the `/metrics` endpoint, when one is configured.
    public var metricsPort: UInt16? { state.withLock { $0.metricsPort } }

    /// Messages read from the ROUTER socket so far (valid or not).
    public var requestsReceived: Int { received.load(ordering: .relaxed) }

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
            let (router, endpoints) = try bindRouter(context)
            let replies = try Socket(context: context, type: .pull)
            let replyEndpoint = "inproc://rnnguard-replies-\(UUID().uuidString)"
            try replies.bind(replyEndpoint)
            // Last: once workers run, nothing below can fail.
            let pool = try WorkerPool(count: config.workers, queue: queue, context: context, replyEndpoint: replyEndpoint,
                                      handler: handler, metrics: metrics, audit: audit, logger: logger)
            state.withLock {
                $0.endpoints = endpoints
                $0.metricsPort = httpServer?.port
            }
            metrics.setQueue(depth: 0, capacity: queue.capacity)
            metrics.setWorkers(total: pool.count, busy: 0)

            let thread = Thread { [self, authenticator, httpServer] in
                serve(router: router, replies: replies, pool: pool)
                pool.join()
                httpServer?.stop()
                // Give the last replies up to a second to leave before the context is terminated.
                try? router.set(.linger(milliseconds: 1000))
                router.close()
                replies.close()
                authenticator?.stop()
                context.terminate()
                logger.info("stopped", metadata: ["requests": "\(requestsReceived)"])
                finished.signal()
            }
            thread.name = "guard-io"
            thread.start()
            logger.info("serving", metadata: [
                "endpoints": "\(endpoints.joined(separator: " "))", "workers": "\(pool.count)",
                "models": "\(handler.models.map(\.policy.name).joined(separator: " "))",
                "metrics": "\(httpServer.map { "port \($0.port)" } ?? "off")",
                "curve": "\(config.curve == nil ? "off" : "on")"])
        } catch {
            httpServer?.stop()
            authenticator?.stop()
            throw (error as? ServerError) ?? ServerError("cannot start: \(error)")
        }
    }

    /// The ROUTER socket, bound to every `listen` endpoint, and the endpoints as bound.
    private func bindRouter(_ context: Context) throws -> (Socket, [String]) {
        let router = try Socket(context: context, type: .router)
        // Replies to vanished clients fail visibly instead of disappearing; one frame far beyond the
        // request limit drops the connection before it is buffered. Listener options are fixed at bind.
        try router.set([.routerMandatory(true), .maxMessageSize(config.limits.maxFrameBytes)])
        if let curve = config.curve {
            try router.set(SocketOption.curveServer(secretKey: curve.secretKey, zapDomain: "rnnguard"))
        }
        var endpoints: [String] = []
        for endpoint in config.listen {
            do {
                try router.bind(endpoint)
            } catch {
                throw ServerError("cannot listen on \(endpoint): \(error.message)")
            }
            endpoints.append(try router.lastEndpoint)
        }
        return (router, endpoints)
    }

    /// Stops accepting new requests; queued and running ones are still answered. Returns at once.
    public func stop() {
        if !stopRequested.exchange(true, ordering: .relaxed) {
            logger.info("stopping: finishing in-flight requests")
        }
    }

    /// Blocks until the server has answered its in-flight requests and closed (after ``stop()``).
    public func wait() {
        finished.wait()
        finished.signal()  // let any other waiter through too
    }

    /// The I/O loop; returns once stopping and no request is in flight.
    private func serve(router: Socket, replies: Socket, pool: WorkerPool) {
        let poller = Poller()
        poller.register(router)
        poller.register(replies)
        var inFlight = 0
        var draining = false
        while true {
            if !draining && stopRequested.load(ordering: .relaxed) {
                draining = true
                queue.close()
            }
            do {
                if draining && inFlight == 0 {
                    // Answer whatever arrived meanwhile, then leave.
                    while let frames = try router.receive(dontWait: true) { _ = accept(frames, router: router, draining: true, pool: pool) }
                    return
                }
                let ready = try poller.poll(timeout: 100)
                if ready[1].contains(.readable) {
                    while let reply = try replies.receive(dontWait: true) {
                        inFlight -= 1
                        send(reply, on: router)
                    }
                }
                if ready[0].contains(.readable) {
                    // Bounded batch, so replies keep flowing under a flood of requests.
                    for _ in 0..<256 {
                        guard let frames = try router.receive(dontWait: true) else { break }
                        if accept(frames, router: router, draining: draining, pool: pool) { inFlight += 1 }
                    }
                }
            } catch {
                logger.critical("I/O loop failed; stopping", metadata: ["error": "\(error)"])
                stopRequested.store(true, ordering: .relaxed)
                if !draining { draining = true; queue.close() }
                if error.isContextTerminated { return }
            }
        }
    }

    /// Handles one message from the ROUTER socket; returns whether it was queued for a worker.
    private func accept(_ frames: [Data], router: Socket, draining: Bool, pool: WorkerPool) -> Bool {
        received.add(1, ordering: .relaxed)
        let receivedAt = ContinuousClock.now
        // [routing id, empty delimiter (REQ, or a DEALER that adds it), body...]
        let delimited = frames.count >= 2 && frames[1].isEmpty
        let envelope = Array(frames.prefix(delimited ? 2 : 1))
        let body = Array(frames.dropFirst(envelope.count))

        let request: Request
        switch decoder.decode(body) {
        case .failure(let error):
            reply(Reply(error: error), envelope: envelope, on: router, op: nil, model: nil)
            return false
        case .success(let decoded):
            request = decoded
        }
        // The flag, not the loop's own state: a request read after stop() returned is never queued.
        if draining || stopRequested.load(ordering: .relaxed) {
            let error = RequestError(id: request.id, code: .shuttingDown, "the server is stopping; send the request to another instance")
            reply(Reply(error: error), envelope: envelope, on: router, op: request.op, model: request.model)
            return false
        }
        switch request.op {
        case .health:
            reply(healthReply(id: request.id, pool: pool), envelope: envelope, on: router, op: .health, model: nil)
            return false
        case .models:
            reply(handler.modelsReply(id: request.id), envelope: envelope, on: router, op: .models, model: nil)
            return false
        case .predict, .certify:
            guard queue.offer(Job(envelope: envelope, request: request, receivedAt: receivedAt)) else {
                let error = RequestError(id: request.id, code: .busy,
                                         "all \(pool.count) workers are busy and \(queue.capacity) requests are queued; retry later")
                reply(Reply(error: error), envelope: envelope, on: router, op: request.op, model: request.model)
                return false
            }
            metrics.setQueue(depth: queue.count, capacity: queue.capacity)
            return true
        }
    }

    private func healthReply(id: RequestID, pool: WorkerPool) -> Reply {
        var reply = Reply(id: id, status: .ok, op: .health)
        reply.health = Reply.HealthBody(
            state: stopRequested.load(ordering: .relaxed) ? "stopping" : "serving",
            uptimeSeconds: RequestHandler.rounded(RequestHandler.seconds(ContinuousClock.now - startedAt)),
            workers: pool.count, busyWorkers: pool.busyCount, queueDepth: queue.count, queueCapacity: queue.capacity,
            models: handler.models.count)
        return reply
    }

    /// Sends a reply made on the I/O thread and counts it.
    private func reply(_ reply: Reply, envelope: [Data], on router: Socket, op: RequestOperation?, model: String?) {
        metrics.countRequest(model: model, op: op, decision: nil, code: reply.code)
        if let code = reply.code {
            logger.debug("request refused", metadata: ["id": .escaped(reply.id), "code": "\(code.rawValue)", "message": .escaped(reply.message ?? "")])
        }
        send(envelope + [reply.encoded()], on: router)
    }

    private func send(_ frames: [Data], on router: Socket) {
        do {
            if try !router.send(frames, dontWait: true) {
                logger.warning("reply dropped: the client is not reading its replies (send queue full)")
            }
        } catch {
            // EHOSTUNREACH: the client disconnected before its reply was ready.
            logger.info("reply not delivered", metadata: ["error": "\(error)"])
        }
    }
}
