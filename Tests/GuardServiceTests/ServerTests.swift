import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Testing
import ZeroMQ

/// The real server over real loopback sockets, end to end: the rules themselves are tested without
/// sockets in ServerCoreTests and ServerLoopTests.
@Suite struct ServerTests {
    private func withServer(_ config: GuardConfig = Fixtures.config(), _ body: (GuardServer, String) throws -> Void) throws {
        let server = try Fixtures.startServer(config)
        defer {
            server.stop()
            server.wait()
        }
        try body(server, server.endpoints[0])
    }

    private func predictRequest(_ id: String, input: Int = 0) -> GuardRequest {
        GuardRequest(id: .string(id), op: .predict, model: "digits-lstm", sequence: Fixtures.digitsInputs[input])
    }

    @Test func everyOpAnswersWithItsID() throws {
        try withServer { _, endpoint in
            let client = try GuardClient(endpoint: endpoint, timeoutMilliseconds: 20_000)
            let health = try client.call(GuardRequest(id: .string("h"), op: .health))
            #expect(health.id == .string("h") && health.isOK && health.health?.state == "serving" && health.health?.workers == 2)
            let models = try client.call(GuardRequest(id: .string("m"), op: .models))
            #expect(models.id == .string("m") && models.models?.map(\.name) == ["digits-lstm", "news-lstm"])
            let predict = try client.call(predictRequest("p"))
            #expect(predict.id == .string("p") && predict.isOK && predict.prediction?.label == 5 && predict.certificate == nil)
            let certify = try client.certify(model: "digits-lstm", sequence: Fixtures.digitsInputs[0])
            #expect(certify.isOK && certify.certificate?.mode == "threshold")
            #expect(["accept", "flag", "refuse"].contains(certify.decision?.action ?? ""))
            #expect(certify.timing?.certifyMilliseconds != nil)
            let text = try client.call(GuardRequest(id: .string("t"), op: .certify, model: "news-lstm", text: "league final ends in a draw"))
            #expect(text.id == .string("t") && text.isOK && text.prediction?.labelName != nil && text.decision != nil)
        }
    }

    /// Issue 10: a request far above `max_message_bytes` (here 20 times) but under the hard cap is read
    /// and answered `too_large`, not dropped with the connection; the same client is served afterwards.
    @Test func anOversizedRequestIsAnsweredNotDropped() throws {
        try withServer { _, endpoint in
            let client = try GuardClient(endpoint: endpoint, timeoutMilliseconds: 20_000)
            let huge = [[Float]](repeating: [Float](repeating: 0.5, count: 8), count: 20 * Fixtures.limits.maxMessageBytes / 32)
            try client.send(GuardRequest(id: .string("big"), op: .predict, model: "digits-lstm", sequence: huge))
            let reply = try client.receive()
            #expect(reply.id == .string("big") && reply.code == .tooLarge)
            #expect(try client.call(predictRequest("after")).isOK)
        }
    }

    @Test func aTakenEndpointIsReported() throws {
        try withServer { _, endpoint in
            var config = Fixtures.config(metrics: "127.0.0.1:0")
            config.listen = [endpoint]
            let second = try GuardServer(config: config, models: Fixtures.models)
            #expect {
                try second.start()
            } throws: { error in
                (error as? ServerError)?.message.hasPrefix("cannot listen on \(endpoint): Address already in use") == true
            }
        }
    }

    @Test func aREQSocketIsServedToo() throws {
        try withServer { _, endpoint in
            let req = try Socket(context: Context(), type: .req)
            try req.set(.receiveTimeout(milliseconds: 10_000))
            try req.connect(endpoint)
            try req.send(Fixtures.header(["v": 1, "id": 5, "op": "health"]))
            let reply = try #require(try req.receive())
            #expect(reply.count == 1)
            let json = try JSONSerialization.jsonObject(with: reply[0]) as! [String: Any]
            #expect(json["id"] as? Int == 5 && json["status"] as? String == "ok")
        }
    }

    @Test func eightClientsTimesTwoHundredRequestsAllMatch() throws {
        var limits = Fixtures.limits
        limits.queueDepth = 64  // >= clients: closed-loop clients never see busy
        try withServer(Fixtures.config(limits: limits)) { _, endpoint in
            let context = try Context()
            let failures = Failures()
            let done = DispatchSemaphore(value: 0)
            for clientIndex in 0..<8 {
                let client = try GuardClient(endpoint: endpoint, timeoutMilliseconds: 30_000, context: context)
                Thread {
                    defer { done.signal() }
                    for n in 0..<200 {
                        let input = (clientIndex + n) % Fixtures.digitsInputs.count
                        let id = "c\(clientIndex)-\(n)"
                        do {
                            let reply = try client.call(GuardRequest(id: .string(id), op: .predict, model: "digits-lstm",
                                                                     sequence: Fixtures.digitsInputs[input]))
                            if reply.id != .string(id) || !reply.isOK { failures.add("\(id): got \(reply.id) \(reply.code?.rawValue ?? "")") }
                        } catch {
                            failures.add("\(id): \(error)")
                        }
                    }
                }.start()
            }
            for _ in 0..<8 { done.wait() }
            #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
        }
    }

    @Test func shutdownUnderLoadAnswersEveryRequest() throws {
        let server = try Fixtures.startServer(Fixtures.config())
        let context = try Context()
        let clients = try (0..<8).map { _ in
            try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 30_000, context: context)
        }
        // Pipeline 32 certify requests (slow enough to be in flight), then stop once all have arrived.
        var sent: Set<String> = []
        for (index, client) in clients.enumerated() {
            for n in 0..<4 {
                let id = "s\(index)-\(n)"
                try client.send(GuardRequest(id: .string(id), op: .certify, model: "digits-lstm", sequence: Fixtures.digitsInputs[n]))
                sent.insert(id)
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while server.requestsReceived < sent.count && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(server.requestsReceived == sent.count)
        server.stop()

        // A request arriving while the server drains is refused, not dropped.
        let late = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 30_000, context: context)
        let lateReply = try late.call(GuardRequest(id: .string("late"), op: .health))
        #expect(lateReply.id == .string("late") && lateReply.code == .shuttingDown)

        var answered: [String: String] = [:]
        for client in clients {
            for _ in 0..<4 {
                let reply = try client.receive()
                answered[reply.id.description] = reply.code?.rawValue ?? "ok"
            }
        }
        server.wait()
        #expect(Set(answered.keys) == sent)
        #expect(answered.values.allSatisfy { $0 == "ok" }, "\(answered.filter { $0.value != "ok" })")
    }
}

/// Failures collected from client threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

/// Hot reload (issue 10): a valid policy and model set is swapped in; a broken model file or policy is
/// refused whole, counted, and the previous set keeps serving.
@Suite struct ReloadTests {
    private func policy(threshold: String, path: String = "examples/models/digits-lstm") -> String {
        """
        listen: tcp://127.0.0.1:*
        workers: 2
        models:
          - name: digits-lstm
            path: \(Fixtures.root.appendingPathComponent(path).path)
            decide: {accept_at_or_above: \(threshold), refuse_below: 0.01}
        """
    }

    @Test func aGoodReloadSwapsAndABrokenOneKeepsTheOldSet() throws {
        let file = Fixtures.temporaryPath("reload.yaml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try policy(threshold: "0.05").write(toFile: file, atomically: true, encoding: .utf8)
        let server = try GuardServer(config: GuardConfig.load(from: file))
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        func threshold() throws -> Double? { try client.models().models?.first?.policy.acceptAtOrAbove }
        #expect(try threshold() == 0.05)

        try policy(threshold: "0.07").write(toFile: file, atomically: true, encoding: .utf8)
        try server.reload(from: file)
        #expect(try threshold() == 0.07)

        // A model folder that does not load, then a policy that does not parse: both refused whole.
        try policy(threshold: "0.09", path: "examples/models/no-such-model").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ServerError.self) { try server.reload(from: file) }
        try "models: [".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ServerError.self) { try server.reload(from: file) }
        #expect(try threshold() == 0.07)
        #expect(try client.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[0]).isOK)
        let exposition = server.metrics.exposition()
        #expect(exposition.contains(#"rnnguard_reloads_total{result="ok"} 1"#))
        #expect(exposition.contains(#"rnnguard_reloads_total{result="failed"} 2"#))
    }

    /// The `reload` admin op (issue 10) takes the SIGHUP path: from a client on the server's host it swaps
    /// a valid set in (the reply lists it) while certifications in flight are answered, and answers a
    /// broken model file or policy `reload_failed`, counted, with the old set still serving.
    @Test func aReloadRequestSwapsOrSaysWhyNotAndInFlightRequestsAreAnswered() throws {
        let file = Fixtures.temporaryPath("reload-op.yaml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try policy(threshold: "0.05").write(toFile: file, atomically: true, encoding: .utf8)
        let server = try GuardServer(config: GuardConfig.load(from: file), policyFile: file)
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        let context = try Context()
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000, context: context)
        let admin = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000, context: context)
        func reload(_ id: String) throws -> Reply { try admin.call(GuardRequest(id: .string(id), op: .reload)) }

        for n in 0..<4 {
            try client.send(GuardRequest(id: .string("busy-\(n)"), op: .certify, model: "digits-lstm", sequence: Fixtures.digitsInputs[n]))
        }
        try policy(threshold: "0.07").write(toFile: file, atomically: true, encoding: .utf8)
        let swapped = try reload("good")
        #expect(swapped.isOK && swapped.op == .reload && swapped.models?.first?.policy.acceptAtOrAbove == 0.07)
        let inFlight = try (0..<4).map { _ in try client.receive() }
        #expect(Set(inFlight.map(\.id.description)) == ["busy-0", "busy-1", "busy-2", "busy-3"] && inFlight.allSatisfy(\.isOK))

        try policy(threshold: "0.09", path: "examples/models/no-such-model").write(toFile: file, atomically: true, encoding: .utf8)
        let badModel = try reload("bad-model")
        #expect(badModel.code == .reloadFailed && badModel.message?.contains("no-such-model") == true)
        try "models: [".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try reload("bad-policy").code == .reloadFailed)
        #expect(try client.models().models?.first?.policy.acceptAtOrAbove == 0.07)
        #expect(try client.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[0]).isOK)
        let exposition = server.metrics.exposition()
        #expect(exposition.contains(#"rnnguard_reloads_total{result="ok"} 1"#))
        #expect(exposition.contains(#"rnnguard_reloads_total{result="failed"} 2"#))
        #expect(exposition.contains(#"rnnguard_requests_total{model="none",op="reload",decision="none",code="reload_failed"} 2"#))
    }
}
