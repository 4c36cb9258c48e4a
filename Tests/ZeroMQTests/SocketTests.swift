import Foundation
import Testing
@testable import ZeroMQ

@Suite struct SocketTests {
    let context: Context

    init() throws { context = try Context() }

    /// A ROUTER bound to a loopback port chosen by the OS, and its resolved endpoint.
    private func boundRouter() throws -> (Socket, String) {
        let router = try Socket(context: context, type: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix("*"))
        return (router, endpoint)
    }

    @Test func dealerAndRouterExchangeMultipartMessages() throws {
        let (router, endpoint) = try boundRouter()
        try router.set(.receiveTimeout(milliseconds: 2000))
        let dealer = try Socket(context: context, type: .dealer)
        try dealer.set(.receiveTimeout(milliseconds: 2000))
        try dealer.connect(endpoint)

        let payload = Data((0..<1000).map { UInt8($0 % 251) })
        try dealer.send([Data(), Data("header".utf8), payload])
        let received = try #require(try router.receive())
        #expect(received.count == 4)  // routing id, delimiter, header, payload
        #expect(received[1].isEmpty)
        #expect(received[2] == Data("header".utf8))
        #expect(received[3] == payload)

        try router.send([received[0], Data(), Data("reply".utf8)])
        let reply = try #require(try dealer.receive())
        #expect(reply == [Data(), Data("reply".utf8)])
    }

    /// The admin check reads these (issue 10): a ROUTER's own routing-id frame has no metadata, the
    /// frames from the wire have the connection's.
    @Test func aMessageCarriesItsConnectionsPeerAddress() throws {
        let (router, endpoint) = try boundRouter()
        try router.set(.receiveTimeout(milliseconds: 2000))
        let dealer = try Socket(context: context, type: .dealer)
        try dealer.connect(endpoint)
        try dealer.send([Data(), Data("header".utf8)])
        let received = try #require(try router.receive(properties: ["Peer-Address", "User-Id", "No-Such-Property"]))
        #expect(received.frames.count == 3)
        #expect(received.properties["Peer-Address"] == "127.0.0.1")
        #expect(received.properties["User-Id"] == nil)  // no ZAP handler named it
        #expect(received.properties["No-Such-Property"] == nil)
    }

    @Test func reqSocketAddsTheDelimiterFrame() throws {
        let (router, endpoint) = try boundRouter()
        try router.set(.receiveTimeout(milliseconds: 2000))
        let req = try Socket(context: context, type: .req)
        try req.set(.receiveTimeout(milliseconds: 2000))
        try req.connect(endpoint)
        try req.send(Data("ping".utf8))
        let received = try #require(try router.receive())
        #expect(received.count == 3 && received[1].isEmpty && received[2] == Data("ping".utf8))
        try router.send([received[0], Data(), Data("pong".utf8)])
        #expect(try req.receive() == [Data("pong".utf8)])
    }

    @Test func emptyFramesAndNonBlockingReceive() throws {
        let pull = try Socket(context: context, type: .pull)
        try pull.bind("inproc://empty-frames")
        let push = try Socket(context: context, type: .push)
        try push.connect("inproc://empty-frames")
        #expect(try pull.receive(dontWait: true) == nil)
        try push.send([Data(), Data([1]), Data()])
        try pull.set(.receiveTimeout(milliseconds: 1000))
        #expect(try pull.receive() == [Data(), Data([1]), Data()])
    }

    @Test func receiveTimeoutReturnsNil() throws {
        let (router, _) = try boundRouter()
        try router.set(.receiveTimeout(milliseconds: 20))
        #expect(try router.receive() == nil)
    }

    @Test func pollerReportsTheReadySocket() throws {
        let first = try Socket(context: context, type: .pull)
        let second = try Socket(context: context, type: .pull)
        try first.bind("inproc://poll-first")
        try second.bind("inproc://poll-second")
        let push = try Socket(context: context, type: .push)
        try push.connect("inproc://poll-second")

        let poller = Poller()
        poller.register(first)
        poller.register(second)
        #expect(try poller.poll(timeout: 10).allSatisfy { $0.isEmpty })
        try push.send(Data("x".utf8))
        let ready = try poller.poll(timeout: 1000)
        #expect(ready[0].isEmpty)
        #expect(ready[1].contains(.readable))
    }

    @Test func errorsNameTheOperation() throws {
        let socket = try Socket(context: context, type: .router)
        #expect {
            try socket.bind("nonsense://nowhere")
        } throws: { error in
            let error = error as? ZeroMQError
            return error?.operation == "bind nonsense://nowhere" && error?.message.isEmpty == false
        }
    }

    @Test func unbindReleasesThePort() throws {
        let (router, endpoint) = try boundRouter()
        try router.unbind(endpoint)
        // The listener closes on libzmq's I/O thread, shortly after unbind returns.
        let other = try Socket(context: context, type: .router)
        var bound = false
        for _ in 0..<100 where !bound {
            bound = (try? other.bind(endpoint)) != nil
            if !bound { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(bound)
    }

    @Test func maxMessageSizeDropsOversizedMessages() throws {
        // Listener options are fixed at bind time, so the limit is set first.
        let router = try Socket(context: context, type: .router)
        try router.set([.maxMessageSize(100), .receiveTimeout(milliseconds: 300)])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let dealer = try Socket(context: context, type: .dealer)
        try dealer.connect(endpoint)
        try dealer.send(Data(count: 1000))
        #expect(try router.receive() == nil)
    }

    @Test func contextShutdownWakesABlockedReceive() throws {
        let local = try Context()
        let pull = try Socket(context: local, type: .pull)
        try pull.bind("inproc://shutdown")
        let woke = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Thread {
            do { _ = try pull.receive() } catch let error as ZeroMQError { outcome.set(error.isContextTerminated) } catch {}
            pull.close()
            woke.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        local.shutdown()
        #expect(woke.wait(timeout: .now() + 2) == .success)
        #expect(outcome.value)
    }
}

/// A flag written by one thread and read after a semaphore wait.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    func set(_ value: Bool) { lock.withLock { stored = value } }
    var value: Bool { lock.withLock { stored } }
}
