import Foundation
import POPQORN
import Synchronization

/// Worker threads that run jobs through the ``RequestHandler``. Workers never touch the transport: each
/// finished job is kept here until the loop collects it with ``takeCompleted()``, and `onCompletion`
/// (the transport's wake-up) tells the loop to look.
final class WorkerPool: Sendable {
    let count: Int
    private let queue = WorkQueue<Job>()
    private let completed = Mutex<[JobCompletion]>([])
    private let exited = DispatchSemaphore(value: 0)
    /// The models and policies jobs run against; a reload replaces it between jobs, so a running job
    /// finishes with the set it started with.
    private let handler: Mutex<RequestHandler>

    /// Starts `count` worker threads.
    init(count: Int, handler: RequestHandler, clock: any ServerClock, onCompletion: @escaping @Sendable () -> Void) {
        self.count = count
        self.handler = Mutex(handler)
        for index in 0..<count {
            let thread = Thread { [self] in
                defer { exited.signal() }
                while let job = queue.take() {
                    let started = clock.now()
                    // Counted busy, so a certificate elsewhere borrows this core only while it is idle.
                    let outcome = ComputeCores.shared.occupying {
                        self.handler.withLock { $0 }.handle(job.request, receivedAt: job.receivedAt)
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
    func replaceHandler(_ handler: RequestHandler) {
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
