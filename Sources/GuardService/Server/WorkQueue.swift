import Foundation

/// A bounded FIFO between the I/O thread (the only producer) and the worker threads.
///
/// `offer` never blocks: a full queue is the server's signal to answer `busy` at once, so the backlog is
/// never larger than its capacity. After `close`, workers drain what is queued and then get nil.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    let capacity: Int
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private var closed = false

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Adds `item` unless the queue is full or closed; returns whether it was added.
    func offer(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, items.count - head < capacity else { return false }
        items.append(item)
        condition.signal()
        return true
    }

    /// The oldest item, waiting for one; nil once the queue is closed and empty.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        // Compact once the consumed prefix dominates, so memory stays O(capacity).
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Refuses further offers and wakes every waiting worker.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }
}
