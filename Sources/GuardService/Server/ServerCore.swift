import GuardProtocol

/// The server's admission, deadlines, draining and shutdown as a value: events in (a request arrived, a
/// worker finished, time passed, shutdown was asked for), actions out (reply, run a job, stop). It does
/// no I/O and reads no clock: every event carries its time, so tests drive it step by step, and
/// ``ServerLoop`` connects it to a transport and the workers.
///
/// The rules (docs/protocol.md, "Guarantees"):
/// - Requests that cannot be decoded, `health` and `models` are answered at once, busy workers or not.
/// - `predict` and `certify` go to an idle worker, else wait (at most `queueCapacity` requests; when
///   that is full the reply is `busy` at once, so there is no hidden backlog). Waiting predictions run
///   before waiting certifications, and certifications of different models take turns (`FairQueue`).
/// - A request never runs after its deadline: one that expires while waiting is answered `deadline`
///   (at the next tick or when a worker frees up, whichever comes first).
/// - `reload` (an admin op) is answered `forbidden` unless ``AdminAccess`` allows its sender; else the core
///   asks for the reload (``ServerAction/reload(_:_:)``) and answers when told it finished
///   (``reloadFinished(_:id:failure:at:)``), listing the models then served.
/// - After ``shutdown()`` new requests get `shutting_down`; waiting and running ones (and reloads) are still
///   run and answered, and once none is left the core says ``ServerAction/stop``.
struct ServerCore: Sendable {
    enum State: Sendable, Equatable {
        case serving
        /// Shutdown was asked for; accepted requests are still being answered.
        case draining
        /// Every accepted request has been answered.
        case stopped
    }

    let workers: Int
    let queueCapacity: Int
    private(set) var state = State.serving
    /// Workers running a job now.
    private(set) var busyWorkers = 0
    /// Admitted `reload` requests not yet answered.
    private(set) var reloadsInFlight = 0
    private let admin: AdminAccess
    private var waiting = FairQueue()
    private let decoder: RequestDecoder
    private var models: [Reply.ModelInfo]
    /// Each model's policy deadline, for the deadlines of queued requests.
    private var policyDeadlines: [String: Double]
    private let startedAt: ContinuousClock.Instant

    /// - Parameters:
    ///   - models: the served models as op `models` lists them (their policies give the deadlines).
    ///   - startedAt: for the uptime in `health`.
    ///   - admin: who may send `reload`.
    init(workers: Int, queueCapacity: Int, limits: GuardConfig.Limits, models: [Reply.ModelInfo],
         startedAt: ContinuousClock.Instant, admin: AdminAccess) {
        self.workers = workers
        self.admin = admin
        self.queueCapacity = queueCapacity
        self.decoder = RequestDecoder(limits: limits)
        self.models = models
        self.policyDeadlines = Self.deadlines(of: models)
        self.startedAt = startedAt
    }

    private static func deadlines(of models: [Reply.ModelInfo]) -> [String: Double] {
        Dictionary(models.compactMap { model in model.policy.deadlineMilliseconds.map { (model.name, $0) } },
                   uniquingKeysWith: { first, _ in first })
    }

    /// A reload changed the served models: `models` lists the new set, and requests admitted from now on
    /// get the new policies' deadlines (waiting ones keep theirs).
    mutating func replaceModels(_ models: [Reply.ModelInfo]) {
        self.models = models
        policyDeadlines = Self.deadlines(of: models)
    }

    /// Requests waiting for a worker.
    var queueDepth: Int { waiting.count }

    /// The earliest deadline of a waiting request: tick by then to answer it on time.
    var nextDeadline: ContinuousClock.Instant? { waiting.elements.compactMap(\.deadline).min() }

    /// A request arrived from `message.peer` at `now`.
    mutating func received(_ message: InboundMessage, at now: ContinuousClock.Instant) -> [ServerAction] {
        let peer = message.peer
        let request: Request
        switch decoder.decode(message.body) {
        case .failure(let error): return [.reply(peer, RequestOutcome(error: error))]
        case .success(let decoded): request = decoded
        }
        guard state == .serving else {
            let error = RequestError(id: request.id, code: .shuttingDown, "the server is stopping; send the request to another instance")
            return [.reply(peer, RequestOutcome(error: error, op: request.op, model: request.model))]
        }
        switch request.op {
        case .health:
            return [.reply(peer, RequestOutcome(reply: healthReply(id: request.id, at: now), op: .health))]
        case .models:
            var reply = Reply(id: request.id, status: .ok, op: .models)
            reply.models = models
            return [.reply(peer, RequestOutcome(reply: reply, op: .models))]
        case .reload:
            guard admin.allows(message.origin) else {
                let error = RequestError(id: request.id, code: .forbidden,
                                         "reload is an admin op: allowed for curve.admin_clients keys, or without CURVE for clients on the server's host")
                return [.reply(peer, RequestOutcome(error: error, op: .reload))]
            }
            reloadsInFlight += 1
            return [.reload(peer, request.id)]
        case .predict, .certify:
            let policyDeadline = request.model.flatMap { policyDeadlines[$0] }
            let job = Job(peer: peer, request: request, receivedAt: now,
                          deadline: request.deadline(policyMilliseconds: policyDeadline, receivedAt: now))
            // Nothing waits while a worker is idle, so an idle worker means an empty queue.
            if busyWorkers < workers { return [start(job, at: now)] }
            guard waiting.count < queueCapacity else {
                let error = RequestError(id: request.id, code: .busy,
                                         "all \(workers) workers are busy and \(queueCapacity) requests are queued; retry later")
                return [.reply(peer, RequestOutcome(error: error, op: request.op, model: request.model))]
            }
            waiting.append(job)
            return []
        }
    }

    /// A worker finished the job of `peer` with `outcome` at `now`; it takes the next waiting job.
    mutating func finished(_ peer: Peer, _ outcome: RequestOutcome, at now: ContinuousClock.Instant) -> [ServerAction] {
        busyWorkers -= 1
        var actions = [ServerAction.reply(peer, outcome)] + expire(at: now)
        if let next = waiting.popFirst() { actions.append(start(next, at: now)) }
        if state == .draining && nothingInFlight { actions.append(stop()) }
        return actions
    }

    /// The reload asked for by `peer`'s request `id` finished: `failure` is nil when the new set was
    /// swapped in (before this call, so the reply lists it), else why it was refused.
    mutating func reloadFinished(_ peer: Peer, id: RequestID, failure: String?, at now: ContinuousClock.Instant) -> [ServerAction] {
        reloadsInFlight -= 1
        var actions: [ServerAction]
        if let failure {
            let error = RequestError(id: id, code: .reloadFailed, "the previous policy and models keep serving: \(failure)")
            actions = [.reply(peer, RequestOutcome(error: error, op: .reload))]
        } else {
            var reply = Reply(id: id, status: .ok, op: .reload)
            reply.models = models
            actions = [.reply(peer, RequestOutcome(reply: reply, op: .reload))]
        }
        if state == .draining && nothingInFlight { actions.append(stop()) }
        return actions
    }

    /// No job running or waiting and no reload pending: a draining server may stop.
    private var nothingInFlight: Bool { busyWorkers == 0 && waiting.isEmpty && reloadsInFlight == 0 }

    /// Time passed: answers the waiting requests whose deadline has come.
    mutating func tick(at now: ContinuousClock.Instant) -> [ServerAction] {
        expire(at: now)
    }

    /// Stop taking requests; stop once every accepted one is answered (at once if none is in flight).
    mutating func shutdown() -> [ServerAction] {
        guard state == .serving else { return [] }
        state = .draining
        return nothingInFlight ? [stop()] : []
    }

    private mutating func stop() -> ServerAction {
        state = .stopped
        return .stop
    }

    /// Runs `job` on a worker, unless its deadline has already come.
    private mutating func start(_ job: Job, at now: ContinuousClock.Instant) -> ServerAction {
        if let deadline = job.deadline, now >= deadline { return deadlineReply(job, at: now) }
        busyWorkers += 1
        return .run(job)
    }

    private mutating func expire(at now: ContinuousClock.Instant) -> [ServerAction] {
        waiting.removeAll { job in job.deadline.map { now >= $0 } ?? false }.map { deadlineReply($0, at: now) }
    }

    private func deadlineReply(_ job: Job, at now: ContinuousClock.Instant) -> ServerAction {
        let waited = RequestHandler.milliseconds(now - job.receivedAt)
        let error = RequestError(id: job.request.id, code: .deadline, "the deadline passed after \(waited) ms in the queue")
        return .reply(job.peer, RequestOutcome(error: error, op: job.request.op, model: job.request.model))
    }

    private func healthReply(id: RequestID, at now: ContinuousClock.Instant) -> Reply {
        var reply = Reply(id: id, status: .ok, op: .health)
        // Only a serving server answers `health`; a stopping one replies `shutting_down`.
        reply.health = Reply.HealthBody(
            state: "serving", uptimeSeconds: RequestHandler.rounded(RequestHandler.seconds(now - startedAt)),
            workers: workers, busyWorkers: busyWorkers, queueDepth: waiting.count, queueCapacity: queueCapacity,
            models: models.count)
        return reply
    }
}
