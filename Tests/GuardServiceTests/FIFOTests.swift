@testable import GuardService
import Testing

@Suite struct FIFOTests {
    /// Order survives compaction (after 64 pops) and removal from the middle.
    @Test func keepsOrderThroughCompactionAndRemoval() {
        var fifo = FIFO<Int>()
        for n in 0..<200 { fifo.append(n) }
        let popped = (0..<150).compactMap { _ in fifo.popFirst() }
        #expect(popped == Array(0..<150) && fifo.count == 50)
        #expect(fifo.removeAll { $0 > 1000 }.isEmpty && fifo.count == 50)
        #expect(fifo.removeAll { $0 % 2 == 1 } == Array(stride(from: 151, to: 200, by: 2)))
        fifo.append(200)
        #expect(Array(fifo.elements) == Array(stride(from: 150, to: 200, by: 2)) + [200])
        while fifo.popFirst() != nil {}
        #expect(fifo.isEmpty && fifo.popFirst() == nil)
    }
}
