import Dispatch
import Glibc
import Synchronization

/// The cores a certificate may borrow while they are idle (issue 11: a single long request may use more
/// than one core when no other request needs it).
///
/// Threads doing heavy work of their own (the sidecar's workers, while they run a job) count themselves
/// busy with `occupying`; a backward pass large enough to split asks `borrow` for one more core and gets
/// it only while fewer threads than cores are busy, so borrowing never oversubscribes the machine.
public final class ComputeCores: Sendable {
    public static let shared = ComputeCores(count: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private let cores: Atomic<Int>
    private let busy = Atomic<Int>(0)
    /// Below this many coefficients a pass runs on one core: lending half of its rows to a second thread
    /// costs tens of microseconds, which only a larger pass earns back.
    let smallestSplitPass: Int

    public init(count: Int, smallestSplitPass: Int = 1 << 18) {
        cores = Atomic(count)
        self.smallestSplitPass = smallestSplitPass
    }

    /// How many cores certificates may use in all; `limit(to: 1)` keeps every request on its own thread
    /// (the benchmark compares the two).
    public var count: Int { cores.load(ordering: .relaxed) }

    public func limit(to count: Int) {
        cores.store(max(1, count), ordering: .relaxed)
    }

    /// Runs `body` counted as one busy core.
    public func occupying<T>(_ body: () throws -> T) rethrows -> T {
        busy.add(1, ordering: .relaxed)
        defer { busy.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// Counts one more busy core if one is idle (the calling thread's own core counts as busy).
    func borrow() -> Bool {
        var seen = busy.load(ordering: .relaxed)
        while max(seen, 1) < cores.load(ordering: .relaxed) {
            let (exchanged, original) = busy.compareExchange(expected: seen, desired: seen + 1, ordering: .relaxed)
            if exchanged { return true }
            seen = original
        }
        return false
    }

    func giveBack() {
        busy.subtract(1, ordering: .relaxed)
    }

    /// `first()` on this thread and `second()` on a borrowed idle core at the same time, or one after
    /// the other when no core is idle.
    func both<A, B: Sendable>(_ first: () -> A, _ second: @escaping @Sendable () -> B) -> (A, B) {
        guard borrow() else { return (first(), second()) }
        let result = HandOff<B>()
        DispatchQueue.global().async {
            result.value = second()
            self.giveBack()
            result.done.signal()
        }
        let a = first()
        result.done.wait()
        // The semaphore orders the helper's write before this read.
        guard let b = result.value else { preconditionFailure("the helper signalled without a result") }
        return (a, b)
    }
}

/// One value passed from a helper thread to the waiting one; the semaphore orders the write and the read.
private final class HandOff<Value>: @unchecked Sendable {
    var value: Value?
    let done = DispatchSemaphore(value: 0)
}
