/// A first-in first-out list as a value: O(1) append and removal at the front, and removal of any
/// items by a predicate (queued requests whose deadline passed), order kept.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    /// The items, oldest first.
    var elements: ArraySlice<Element> { items[head...] }

    mutating func append(_ item: Element) { items.append(item) }

    /// The oldest item, removed; nil when empty.
    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        // Compact once the consumed prefix dominates, so memory stays O(count).
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Removes and returns, oldest first, every item that `isRemoved` selects.
    mutating func removeAll(where isRemoved: (Element) -> Bool) -> [Element] {
        // The common case, checked on every tick: nothing to remove, nothing to copy.
        guard items[head...].contains(where: isRemoved) else { return [] }
        var removed: [Element] = []
        var kept: [Element] = []
        for item in items[head...] {
            if isRemoved(item) { removed.append(item) } else { kept.append(item) }
        }
        items = kept
        head = 0
        return removed
    }
}

extension FIFO: Sendable where Element: Sendable {}
