import Dispatch
import GuardProtocol
import Logging
import Synchronization

/// Connects a ``ServerCore`` to the world: reads requests from a transport, collects finished jobs from
/// the workers, feeds each to the core with the time from the clock, and carries out the core's actions
/// (send and record a reply, hand a job to a worker, run a reload, stop).
///
/// ``turn(timeout:)`` runs on one thread only (the transport is not thread-safe); ``requestStop()`` and
/// ``requestsReceived`` may be used from any thread.
final class ServerLoop: @unchecked Sendable {
    /// Messages read per turn at most, so finished jobs keep being answered under a flood of requests.
    static let batchLimit = 256

    /// Runs one reload of the policy and models (``GuardServer/reload(from:)``, the SIGHUP path, which
    /// hands a valid set to ``requestReload(_:)``) and returns why it failed, or nil.
    typealias Reloader = @Sendable () -> String?

    private(set) var core: ServerCore
    private let transport: any ServerTransport
    private let workers: WorkerPool
    private let recorder: any ServerRecorder
    private let clock: any ServerClock
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// A reload waiting for the I/O thread (the core belongs to it).
    private let pendingReload = Mutex<RequestHandler?>(nil)
    private let received = Atomic<Int>(0)
    private let reloader: Reloader?
    /// Reloads run here, off the I/O thread (loading models takes a while), one at a time.
    private let reloads = DispatchQueue(label: "rnnguard.reload")
    /// Reloads asked for by `reload` requests that have finished, waiting for the I/O thread to answer.
    private let finishedReloads = Mutex<[(peer: Peer, id: RequestID, failure: String?)]>([])
    /// Set by the core's `stop` action.
    private var stopped = false

    /// Starts `core.workers` worker threads running `handler`.
    ///
    /// - Parameter reloader: what a `reload` request runs; nil: such requests are answered `reload_failed`.
    init(core: ServerCore, transport: any ServerTransport, handler: any JobRunner, recorder: any ServerRecorder,
         clock: any ServerClock, logger: Logger, reloader: Reloader? = nil) {
        self.core = core
        self.reloader = reloader
        self.transport = transport
        self.recorder = recorder
        self.clock = clock
        self.logger = logger
        self.workers = WorkerPool(count: core.workers, handler: handler, clock: clock, onCompletion: { [transport] in transport.wake() })
        recordLoad()
    }

    /// Messages read from the transport so far (valid or not).
    var requestsReceived: Int { received.load(ordering: .relaxed) }

    /// Asks the loop to stop taking requests and stop once every accepted one is answered.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        transport.wake()
    }

    /// Serves `handler`'s models from the next turn on: jobs already running finish with the old set.
    /// Any thread.
    func requestReload(_ handler: RequestHandler) {
        pendingReload.withLock { $0 = handler }
        transport.wake()
    }

    /// Records a reload that failed before anything was swapped.
    func reportReloadFailure(_ reason: String) {
        recorder.reloadFailed(reason)
    }

    private func applyPendingReload() {
        guard let handler = pendingReload.withLock({ pending in defer { pending = nil }; return pending }) else { return }
        let catalog = handler.models.map(\.info)
        workers.replaceHandler(handler)
        core.replaceModels(catalog)
        recorder.reloaded(models: catalog)
    }

    /// Turns until the core stops, then lets the workers exit.
    func run(pollInterval: Duration) {
        while turn(timeout: pollInterval) {}
        workers.shutdown()
    }

    /// One turn: waits at most `timeout` (less when a queued request's deadline comes sooner) for
    /// requests, finished jobs or a stop request, and handles them.
    ///
    /// - Returns: false once the core has stopped (every accepted request answered); requests that
    ///   arrived meanwhile have then been answered `shutting_down`.
    @discardableResult
    func turn(timeout: Duration) -> Bool {
        var wait = timeout
        if let deadline = core.nextDeadline { wait = max(.zero, min(wait, clock.now().duration(to: deadline))) }
        let messages: [InboundMessage]
        do {
            messages = try transport.receive(limit: Self.batchLimit, timeout: wait)
        } catch {
            // Stop, answering what is in flight; log once, not on every turn of the drain.
            if !stopRequested.exchange(true, ordering: .acquiringAndReleasing) {
                logger.critical("the transport failed; stopping", metadata: ["error": "\(error)"])
            }
            messages = []
        }
        applyPendingReload()
        // After reading, not before: a request read after requestStop() returned is never accepted.
        if stopRequested.load(ordering: .acquiring) { perform(core.shutdown()) }
        // Finished jobs first: they free workers for the requests just read.
        for completion in workers.takeCompleted() {
            recorder.workerBusy(seconds: completion.busySeconds)
            perform(core.finished(completion.peer, completion.outcome, at: clock.now()))
        }
        // After applyPendingReload: a successful reload's set is in place before its reply lists it.
        for reload in finishedReloads.withLock({ finished in defer { finished = [] }; return finished }) {
            perform(core.reloadFinished(reload.peer, id: reload.id, failure: reload.failure, at: clock.now()))
        }
        handle(messages)
        perform(core.tick(at: clock.now()))
        recordLoad()
        guard stopped else { return true }
        refuseLateArrivals()
        return false
    }

    /// Answers what is still readable after the stop (with `shutting_down`): every request read gets a reply.
    private func refuseLateArrivals() {
        while let messages = try? transport.receive(limit: Self.batchLimit, timeout: .zero), !messages.isEmpty {
            handle(messages)
        }
    }

    private func handle(_ messages: [InboundMessage]) {
        for message in messages {
            received.add(1, ordering: .relaxed)
            perform(core.received(message, at: clock.now()))
        }
    }

    private func perform(_ actions: [ServerAction]) {
        for action in actions {
            switch action {
            case .reply(let peer, let outcome):
                transport.send(outcome.reply.encoded(), to: peer)
                recorder.replied(outcome)
            case .run(let job):
                workers.run(job)
            case .reload(let peer, let id):
                reloads.async { [self] in
                    let failure: String? = if let reloader { reloader() } else { "this server was not started from a policy file" }
                    finishedReloads.withLock { $0.append((peer, id, failure)) }
                    transport.wake()
                }
            case .stop:
                stopped = true
            }
        }
    }

    private func recordLoad() {
        recorder.load(queueDepth: core.queueDepth, queueCapacity: core.queueCapacity, busyWorkers: core.busyWorkers,
                      workers: core.workers)
    }
}
