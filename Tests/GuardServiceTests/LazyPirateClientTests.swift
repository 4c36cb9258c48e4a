import Foundation
import GuardClient
import GuardProtocol
import Testing
import ZeroMQ

/// The retry rule of docs/protocol.md ("Retries") against a scripted server: a ROUTER that answers each
/// request it reads as the script says (or not at all), so every branch of the rule is exact.
@Suite struct LazyPirateClientTests {
    /// What the scripted server does with the n-th request it reads.
    private enum Answer: Sendable {
        case none, busy, ok
    }

    /// Serves `script` on a loopback ROUTER until every entry was used; returns the endpoint and a wait
    /// for the ids read, in order.
    private func scriptedServer(_ script: [Answer]) throws -> (endpoint: String, requests: @Sendable () -> [RequestID]) {
        let router = try Socket(context: Context(), type: .router)
        try router.set(.receiveTimeout(milliseconds: 10_000))
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let done = DispatchSemaphore(value: 0)
        let seen = Seen()
        let thread = Thread {
            defer { done.signal() }
            for answer in script {
                // [routing id, delimiter, header]
                guard let frames = try? router.receive(), frames.count == 3,
                      let header = try? JSONDecoder().decode(RequestHeader.self, from: frames[2]) else { return }
                seen.ids.append(header.id)
                var body = Reply(id: header.id, status: .ok, op: header.op)
                switch answer {
                case .none: continue
                case .busy: (body.status, body.code, body.message) = (.error, .busy, "queue full")
                case .ok: break
                }
                guard let frame = try? body.jsonFrame() else { return }
                _ = try? router.send(Array(frames.prefix(2)) + [frame])
            }
        }
        thread.start()
        return (endpoint, { done.wait(); done.signal(); return seen.ids })
    }

    @Test func aLostReplyIsResentOnANewSocket() throws {
        let server = try scriptedServer([.none, .ok])
        let client = try LazyPirateClient(endpoint: server.endpoint, timeoutMilliseconds: 300, retries: 2)
        let reply = try client.call(GuardRequest(id: .string("a"), op: .health))
        #expect(reply.isOK && reply.id == .string("a") && client.resends == 1)
        #expect(server.requests() == [.string("a"), .string("a")])
    }

    @Test func busyIsResentAndTheLastAnswerIsFinal() throws {
        let server = try scriptedServer([.busy, .busy, .ok])
        let client = try LazyPirateClient(endpoint: server.endpoint, timeoutMilliseconds: 5000, retries: 2)
        // A request without an id is given one, so that its reply can be told apart.
        let reply = try client.call(GuardRequest(id: .none, op: .health))
        #expect(reply.isOK && reply.id != .none && client.resends == 2)
        #expect(server.requests().count == 3)

        let tired = try scriptedServer([.busy, .busy])
        let once = try LazyPirateClient(endpoint: tired.endpoint, timeoutMilliseconds: 5000, retries: 1)
        #expect(try once.call(GuardRequest(id: .string("b"), op: .health)).code == .busy)
    }

    @Test func noReplyAtAllGivesUpAfterTheRetries() throws {
        let server = try scriptedServer([.none, .none, .none])
        let client = try LazyPirateClient(endpoint: server.endpoint, timeoutMilliseconds: 200, retries: 2)
        #expect {
            try client.call(GuardRequest(id: .string("c"), op: .health))
        } throws: { error in
            guard case .noReply(attempts: 3, timeoutMilliseconds: 200) = error as? GuardClientError else { return false }
            return true
        }
        #expect(server.requests().count == 3)
    }
}

/// The ids the scripted server read, written by its thread and read after it finished.
private final class Seen: @unchecked Sendable {
    var ids: [RequestID] = []
}
