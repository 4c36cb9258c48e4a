@testable import GuardService
import Synchronization

/// A clock that moves only when a test advances it, so deadline tests need no sleeps.
final class ManualClock: ServerClock {
    private let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }

    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}
