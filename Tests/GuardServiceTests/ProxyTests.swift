import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Logging
import Testing
import ZeroMQ

/// `GuardProxy` and a sidecar that connects to it (`serve --connect`), in one process over loopback TCP.
/// The scale-out and kill test with real processes is in Tests/rnnguardTests/ProxyProcessTests.swift.
@Suite struct ProxyTests {
    private func withProxyAndSidecar(_ body: (GuardProxy, GuardServer) throws -> Void) throws {
        var logger = Logger(label: "rnnguard.test.proxy")
        logger.logLevel = .error
        let proxy = GuardProxy(settings: GuardProxy.Settings(
            frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*", metrics: MetricsAddress("127.0.0.1:0"),
            statisticsInterval: .milliseconds(100)), logger: logger)
        try proxy.start()
        defer {
            proxy.stop()
            proxy.wait()
        }
        var config = Fixtures.config()
        config.connect = [try #require(proxy.endpoints).backend]
        let server = try Fixtures.startServer(config)
        defer {
            server.stop()
            server.wait()
        }
        try body(proxy, server)
    }

    /// Requests through the proxy reach the sidecar and come back to their client, whichever envelope
    /// the client uses; the sidecar still answers on its own `listen` endpoint.
    @Test func requestsThroughTheProxyAreAnswered() throws {
        try withProxyAndSidecar { proxy, server in
            let frontend = try #require(proxy.endpoints).frontend
            let client = try LazyPirateClient(endpoint: frontend, timeoutMilliseconds: 20_000)
            let reply = try client.call(GuardRequest(id: .string("p1"), op: .predict, model: "digits-lstm",
                                                     sequence: Fixtures.digitsInputs[0]))
            #expect(reply.id == .string("p1") && reply.isOK && reply.prediction?.label == 5)
            #expect(client.resends == 0)

            // A DEALER without the empty delimiter: the sidecar must still find the client's id behind the proxy's.
            let dealer = try Socket(context: Context(), type: .dealer)
            try dealer.set(.receiveTimeout(milliseconds: 20_000))
            try dealer.connect(frontend)
            try dealer.send(Fixtures.header(["v": 1, "id": 7, "op": "health"]))
            let frames = try #require(try dealer.receive())
            #expect(frames.count == 1)
            #expect(try Reply(jsonFrame: frames[0]).id == .number(7))

            let direct = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
            #expect(try direct.health().health?.state == "serving")
        }
    }

    /// libzmq's counters reach /metrics: two requests in and two replies out on each side.
    @Test func statisticsAreExported() throws {
        try withProxyAndSidecar { proxy, _ in
            let client = try GuardClient(endpoint: try #require(proxy.endpoints).frontend, timeoutMilliseconds: 20_000)
            #expect(try client.health().isOK && client.models().isOK)
            var text = ""
            for _ in 0..<100 where !text.contains(#"rnnguard_proxy_messages_total{socket="backend",direction="in"} 2"#) {
                Thread.sleep(forTimeInterval: 0.05)
                text = proxy.metrics.exposition()
            }
            for (socket, direction) in [("frontend", "in"), ("frontend", "out"), ("backend", "in"), ("backend", "out")] {
                #expect(text.contains(#"rnnguard_proxy_messages_total{socket="\#(socket)",direction="\#(direction)"} 2"#), "\(text)")
            }
            #expect(text.contains("rnnguard_proxy_bytes_total"))
        }
    }

    /// A proxy stopped before it started ends at once; `stop` twice is harmless.
    @Test func stopBeforeStartEndsAtOnce() throws {
        let proxy = GuardProxy(settings: GuardProxy.Settings(frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*"))
        proxy.stop()
        try proxy.start()
        proxy.stop()
        proxy.wait()
        #expect(proxy.failure == nil)
    }

    @Test func aTakenEndpointIsReported() throws {
        try withProxyAndSidecar { proxy, _ in
            let taken = try #require(proxy.endpoints).frontend
            let second = GuardProxy(settings: GuardProxy.Settings(frontend: taken, backend: "tcp://127.0.0.1:*"))
            #expect {
                try second.start()
            } throws: { error in
                (error as? ServerError)?.message.hasPrefix("cannot listen on \(taken): Address already in use") == true
            }
        }
    }
}
