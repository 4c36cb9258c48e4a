import Foundation
import Testing
import ZeroMQ

@Suite struct SteerableProxyTests {
    /// A REQ client and a REP worker through the proxy; STATISTICS counts whole messages and their bytes
    /// (the frontend ROUTER's routing id is not a frame it reads from the wire); TERMINATE ends `run()`.
    @Test func forwardsCountsAndTerminates() throws {
        let context = try Context()
        let frontend = try Socket(context: context, type: .router)
        try frontend.bind("inproc://proxy-test-front")
        let backend = try Socket(context: context, type: .dealer)
        try backend.bind("inproc://proxy-test-back")
        let proxy = try SteerableProxy(frontend: frontend, backend: backend)
        let ended = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let thread = Thread {
            do { try proxy.run() } catch { outcome.error = error }
            ended.signal()
        }
        thread.start()

        let worker = try Socket(context: context, type: .rep)
        try worker.set(.receiveTimeout(milliseconds: 5000))
        try worker.connect("inproc://proxy-test-back")
        let client = try Socket(context: context, type: .req)
        try client.set(.receiveTimeout(milliseconds: 5000))
        try client.connect("inproc://proxy-test-front")

        try client.send(Data("ping".utf8))
        #expect(try worker.receive() == [Data("ping".utf8)])
        try worker.send(Data("pong!".utf8))
        #expect(try client.receive() == [Data("pong!".utf8)])

        let statistics = try #require(try proxy.statistics(timeoutMilliseconds: 5000))
        #expect(statistics.frontend.messagesIn == 1 && statistics.frontend.messagesOut == 1)
        #expect(statistics.backend.messagesIn == 1 && statistics.backend.messagesOut == 1)
        // The request as the backend saw it: routing id (5 bytes), empty delimiter, "ping".
        #expect(statistics.backend.bytesOut == statistics.frontend.bytesIn && statistics.frontend.bytesIn == 5 + 0 + 4)
        #expect(statistics.backend.bytesIn == 5 + 0 + 5)

        try proxy.terminate()
        #expect(ended.wait(timeout: .now() + 5) == .success)
        #expect(outcome.error == nil)
        proxy.close()
    }
}

/// What the proxy thread's `run()` threw, read after the thread signalled.
private final class Outcome: @unchecked Sendable {
    var error: (any Error)?
}
