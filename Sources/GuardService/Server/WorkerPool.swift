import Foundation
import POPQORN
import Synchronization

/// What a worker runs a job with: the ``RequestHandler`` in a server. A worker answers anything a runner
/// throws with `internal` and goes on to its next job, so one unexpected failure costs one request, not
/// a worker (tests inject a runner that throws).
protocol JobRunner: Sendable {
    func handle(_ request: Request, receivedAt: ContinuousClock.Instant) throws -> RequestOutcome
}

extension RequestHandler: JobRunner {}

/// Worker threads that run jobs through a ``JobRunner`` (the ``RequestHandler``). Workers never touch the
/// transport: each finished job is kept here until the loop collects it with ``takeCompleted()``, and
/// `onCompletion` (the transport's wake-up) tells the loop to look.
final class WorkerPool: Sendable {
    let count: Int
    private let queue = WorkQueue<Job>()
    private let completed = Mutex<[JobCompletion]>([])
    private let exited = DispatchSemaphore(value: 0)
    /// The models and policies jobs run against; a reload replaces it between jobs, so a running job
    /// finishes with the set it started with.
    private let handler: Mutex<any JobRunner>

    /// Starts `count` worker threads.
    init(count: Int, handler: any JobRunner, clock: any ServerClock, onCompletion: @escaping @Sendable () -> Void) {
        self.count = count
        self.handler = Mutex(handler)
        for index in 0..<count {
            let thread = Thread { [self] in
                defer { exited.signal() }
                while let job = queue.take() {
                    let started = clock.now()
                    let outcome: RequestOutcome
                    do {
                        // Counted busy, so a certificate elsewhere borrows this core only while it is idle.
                        outcome = try ComputeCores.shared.occupying {
                            try self.handler.withLock { $0 }.handle(job.request, receivedAt: job.receivedAt)
                        }
                    } catch {
                        let failure = RequestError(id: job.request.id, code: .internal, "the request failed unexpectedly: \(error)")
                        outcome = RequestOutcome(error: failure, op: job.request.op, model: job.request.model)
                    }
                    let completion = JobCompletion(peer: job.peer, outcome: outcome,
                                                   busySeconds: RequestHandler.seconds(clock.now() - started))
                    completed.withLock { $0.append(completion) }
                    onCompletion()
                }
            }
            thread.name = "worker-\(index)"
            thread.start()
        }
    }

    /// Jobs started from now on run against `handler` (hot reload).
    func replaceHandler(_ handler: any JobRunner) {
        self.handler.withLock { $0 = handler }
    }

    /// Starts `job` on the next idle worker (the server core hands over a job only when one is idle).
    func run(_ job: Job) { queue.append(job) }

    /// The jobs finished since the last call, in the order they finished.
    func takeCompleted() -> [JobCompletion] {
        completed.withLock { finished in
            defer { finished = [] }
            return finished
        }
    }

    /// Lets the workers exit once the queue is empty and waits until they have.
    func shutdown() {
        queue.close()
        for _ in 0..<count { exited.wait() }
    }
}
