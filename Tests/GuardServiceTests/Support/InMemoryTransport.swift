import Foundation
import GuardProtocol
@testable import GuardService

/// A transport without sockets, as swift-nio's `EmbeddedChannel` is a channel without one: tests
/// deliver request frames from named peers and read back the replies each peer got.
final class InMemoryTransport: ServerTransport, @unchecked Sendable {
    private let condition = NSCondition()
    private var inbox: [InboundMessage] = []
    private var outbox: [(peer: String, reply: Reply)] = []
    private var woken = false

    /// Delivers one request from `peer`.
    func deliver(_ body: [Data], from peer: String) {
        condition.withLock {
            inbox.append(InboundMessage(peer: Self.peer(peer), body: body))
            condition.signal()
        }
    }

    /// Every reply sent so far, in order, with the peer it went to.
    var sent: [(peer: String, reply: Reply)] { condition.withLock { outbox } }

    /// The replies sent so far, by the request id they echo.
    var repliesByID: [RequestID: Reply] {
        Dictionary(sent.map { ($0.reply.id, $0.reply) }, uniquingKeysWith: { first, _ in first })
    }

    func receive(limit: Int, timeout: Duration) throws -> [InboundMessage] {
        condition.withLock {
            if inbox.isEmpty && !woken {
                _ = condition.wait(until: Date().addingTimeInterval(timeout / .seconds(1)))
            }
            woken = false
            let batch = Array(inbox.prefix(limit))
            inbox.removeFirst(batch.count)
            return batch
        }
    }

    func send(_ reply: Data, to peer: Peer) {
        // A reply that does not decode would be a server bug: record it as such, so the test fails on it.
        let decoded = (try? Reply(jsonFrame: reply)) ?? Reply(id: .none, status: .error)
        condition.withLock { outbox.append((String(decoding: peer.envelope[0], as: UTF8.self), decoded)) }
    }

    func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    private static func peer(_ name: String) -> Peer { Peer(envelope: [Data(name.utf8)]) }
}
