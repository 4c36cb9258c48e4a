import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Worker threads that take jobs from the queue, run them through the ``RequestHandler`` and hand each
/// reply back to the I/O thread over an inproc PUSH socket (only the I/O thread touches the ROUTER).
///
/// Every job produces exactly one reply message. Workers exit once the queue is closed and drained.
final class WorkerPool: Sendable {
    let count: Int
    private let busy = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `count` workers; each connects its own PUSH socket to `replyEndpoint`.
    init(count: Int, queue: WorkQueue<Job>, context: Context, replyEndpoint: String, handler: RequestHandler,
         metrics: GuardMetrics, audit: AuditLog?, logger: Logger) throws(ZeroMQError) {
        self.count = count
        let policies = Dictionary(handler.models.map { ($0.policy.name, $0.info.policy) }, uniquingKeysWith: { a, _ in a })
        var sockets: [Socket] = []
        for _ in 0..<count {
            let socket = try Socket(context: context, type: .push)
            try socket.set(.sendHighWaterMark(0))  // never block or drop: the backlog is bounded by the queue
            try socket.connect(replyEndpoint)
            sockets.append(socket)
        }
        for (index, socket) in sockets.enumerated() {
            let thread = Thread { [self] in
                defer { finished.signal() }
                while let job = queue.take() {
                    let started = ContinuousClock.now
                    metrics.setWorkers(total: count, busy: busy.add(1, ordering: .relaxed).newValue)
                    metrics.setQueue(depth: queue.count, capacity: queue.capacity)
                    let outcome = handler.handle(job.request, receivedAt: job.receivedAt)
                    do {
                        try socket.send(job.envelope + [outcome.reply.encoded()])
                    } catch {
                        logger.error("worker could not hand back a reply", metadata: ["id": .escaped(job.request.id), "error": "\(error)"])
                    }
                    metrics.countRequest(model: outcome.model, op: outcome.op, decision: outcome.decision?.action,
                                         code: outcome.errorCode)
                    metrics.record(outcome)
                    Self.log(outcome, logger: logger)
                    if let audit, let model = outcome.model, let policy = policies[model],
                       let record = audit.record(for: outcome, policy: policy) {
                        audit.append(record)
                    }
                    metrics.addBusyTime(seconds: RequestHandler.seconds(ContinuousClock.now - started))
                    metrics.setWorkers(total: count, busy: busy.add(-1, ordering: .relaxed).newValue)
                }
                socket.close()
            }
            thread.name = "worker-\(index)"
            thread.start()
        }
    }

    /// Workers handling a request right now.
    var busyCount: Int { busy.load(ordering: .relaxed) }

    /// Waits until every worker has exited (call after closing the queue).
    func join() {
        for _ in 0..<count { finished.wait() }
    }

    private static func log(_ outcome: RequestOutcome, logger: Logger) {
        var metadata: Logger.Metadata = ["id": .escaped(outcome.reply.id), "model": .escaped(outcome.model ?? "-"),
                                         "op": "\(outcome.op?.rawValue ?? "-")"]
        if let code = outcome.errorCode {
            metadata["code"] = "\(code.rawValue)"
            metadata["message"] = .escaped(outcome.reply.message ?? "")
            logger.log(level: code == .internal ? .error : .debug, "request failed", metadata: metadata)
            return
        }
        if let decision = outcome.decision {
            metadata["decision"] = "\(decision.action.rawValue)"
            metadata["radius"] = "\(outcome.radius ?? 0)"
            logger.log(level: decision.action == .accept ? .debug : .info, "certified", metadata: metadata)
        }
    }
}
