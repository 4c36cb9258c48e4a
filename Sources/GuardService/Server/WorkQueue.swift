import Foundation

/// The hand-off from the loop thread to the worker threads. Unbounded on purpose: the server core
/// bounds the work (it hands a job over only when a worker is idle), so this never holds more jobs
/// than there are workers. After `close`, workers drain what is queued and then get nil.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items = FIFO<Item>()
    private var closed = false

    func append(_ item: Item) {
        condition.lock()
        defer { condition.unlock() }
        items.append(item)
        condition.signal()
    }

    /// The oldest item, waiting for one; nil once the queue is closed and empty.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        return items.popFirst()
    }

    /// Wakes every waiting worker; they exit once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
