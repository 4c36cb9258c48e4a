import GuardProtocol
@testable import GuardService
import Synchronization

/// A recorder that keeps what it is told, for tests to read.
final class InMemoryRecorder: ServerRecorder {
    struct Load: Equatable {
        var queueDepth, queueCapacity, busyWorkers, workers: Int
    }

    private let state = Mutex<(outcomes: [RequestOutcome], loads: [Load], busySeconds: [Double])>(([], [], []))

    /// Every recorded reply, in order.
    var outcomes: [RequestOutcome] { state.withLock { $0.outcomes } }
    /// The load after each event batch, in order.
    var loads: [Load] { state.withLock { $0.loads } }
    /// The time workers reported per job.
    var busySeconds: [Double] { state.withLock { $0.busySeconds } }

    func replied(_ outcome: RequestOutcome) { state.withLock { $0.outcomes.append(outcome) } }

    func load(queueDepth: Int, queueCapacity: Int, busyWorkers: Int, workers: Int) {
        state.withLock { $0.loads.append(Load(queueDepth: queueDepth, queueCapacity: queueCapacity, busyWorkers: busyWorkers, workers: workers)) }
    }

    func workerBusy(seconds: Double) { state.withLock { $0.busySeconds.append(seconds) } }

    func reloaded(models: [Reply.ModelInfo]) {}

    func reloadFailed(_ reason: String) {}
}
