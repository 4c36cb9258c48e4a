import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Logging
import Testing
import ZeroMQ

/// Issue 10 item 3: faults over real loopback sockets, each with the outcome docs/reliability.md
/// ("Faults") promises. The logic-level faults (a runner that throws, a queue deadline, a drain) are in
/// ServerLoopTests and ServerCoreTests.
@Suite struct FaultTests {
    /// A started server with one worker whose log lines are kept in `logs`.
    private func startServer(models: [ServedModel] = Fixtures.models, logs: CapturedLogs) throws -> GuardServer {
        let logger = Logger(label: "rnnguard.test") { _ in CaptureHandler(store: logs) }
        var config = Fixtures.config(workers: 1)
        config.models = models.map(\.policy)
        let server = try GuardServer(config: config, models: models, logger: logger)
        try server.start()
        return server
    }

    /// Waits up to `seconds` for `condition`, checking every 10 ms; whether it came true.
    private func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return try condition()
    }

    private func certify(_ id: String, radius: Bool = false, deadline: Double? = nil) -> GuardRequest {
        GuardRequest(id: .string(id), op: .certify, model: "digits-lstm", sequence: Fixtures.digitsInputs[0],
                     deadlineMilliseconds: deadline, certify: radius ? ["mode": "radius"] : nil)
    }

    /// A client that sends requests and disconnects before the answers: the worker finishes them, the
    /// replies are not deliverable (ROUTER_MANDATORY: EHOSTUNREACH), which is logged; nothing else happens.
    @Test func aClientThatDisconnectsMidRequestCostsNothing() throws {
        let logs = CapturedLogs()
        let server = try startServer(logs: logs)
        defer { server.stop(); server.wait() }
        let quitter = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        // One worker: the later certifications are still queued when the client is gone.
        for n in 0..<3 { try quitter.send(certify("gone-\(n)")) }
        #expect(eventually(10) { server.requestsReceived == 3 })
        quitter.close()

        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        #expect(eventually(20) { logs.lines().contains { $0.hasPrefix("reply not delivered") } })
        #expect(try client.call(certify("after")).isOK)
        // All three were certified and recorded although nobody was there to read them.
        #expect(logs.lines().filter { $0.hasPrefix("certified") && $0.contains("gone-") }.count == 3)
        #expect(try client.health().health?.busyWorkers == 0)
    }

    /// A client that sends 800 requests and never reads: once the replies queued for it reach the
    /// send high-water mark (64 replies, plus what the TCP buffers hold), the rest are dropped and logged,
    /// each reply either delivered or dropped, never both or neither; memory stays bounded and another
    /// client is answered meanwhile.
    @Test func aClientThatNeverReadsLosesOnlyItsOwnReplies() throws {
        let logs = CapturedLogs()
        // 24 names for the digits model: a `models` reply of about 9 KB, the largest reply there is.
        let models = (0..<24).map { index in
            var policy = Fixtures.digitsPolicy
            policy.name = "digits-\(index)"
            return ServedModel(policy: policy, classifier: Fixtures.models[0].classifier)
        }
        let server = try startServer(models: models, logs: logs)
        defer { server.stop(); server.wait() }
        let context = try Context()
        let hog = try Socket(context: context, type: .dealer)
        // A small kernel receive buffer, so that few replies fill the way to it; reading at the end stops
        // at the first second without a reply: everything queued has come by then.
        try hog.set([.receiveHighWaterMark(16), .receiveBufferSize(16 * 1024), .receiveTimeout(milliseconds: 1000)])
        try hog.connect(server.endpoints[0])
        let other = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000, context: context)
        #expect(try other.health().isOK)
        var otherRequests = 1
        let residentBefore = try residentKilobytes()

        // 800 replies of 9 KB (7 MB) are more than the kernel's socket buffers hold (at most 4 MB sent and
        // 16 KB received here).
        let requests = 800
        for n in 0..<requests {
            try hog.send([Data(), Fixtures.header(["v": 1, "id": n, "op": "models"])])
            if n % 200 == 0 {
                #expect(try other.health().isOK)
                otherRequests += 1
            }
        }
        #expect(eventually(30) { server.requestsReceived == requests + otherRequests })
        let dropped = { logs.lines().filter { $0.hasPrefix("reply dropped") }.count }
        #expect(dropped() > 0)
        #expect(try other.predict(model: "digits-0", sequence: Fixtures.digitsInputs[0]).isOK)
        let grown = try residentKilobytes() - residentBefore
        // Generous: other suites run in this process at the same time.
        #expect(grown < 128 * 1024, "resident memory grew by \(grown) kB")

        // Now read: what was queued arrives, and with the drops it accounts for every request once.
        var delivered = 0
        while let frames = try hog.receive() {
            if frames.count == 2, (try? Reply(jsonFrame: frames[1]))?.models?.count == models.count { delivered += 1 }
        }
        #expect(delivered > 0 && delivered + dropped() == requests, "\(delivered) delivered, \(dropped()) dropped")
    }

    /// 1,000 clients connect, half of them ask for `health`, and all disconnect: the server keeps no
    /// file descriptor per departed client and still answers.
    @Test func aThousandConnectionsComeAndGo() throws {
        let logs = CapturedLogs()
        let server = try startServer(logs: logs)
        defer { server.stop(); server.wait() }
        let context = try Context()
        let descriptorsBefore = try openDescriptors()
        for n in 0..<1000 {
            let socket = try Socket(context: context, type: .dealer)
            try socket.set(.receiveTimeout(milliseconds: 10_000))
            try socket.connect(server.endpoints[0])
            if n.isMultiple(of: 2) {
                try socket.send([Data(), Fixtures.header(["v": 1, "id": n, "op": "health"])])
                let reply = try #require(try socket.receive())
                #expect((try? Reply(jsonFrame: reply[1]))?.id == .number(n))
            }
            socket.close()
        }
        // libzmq closes connections on its own threads: allow it a moment. Slack for the suites running
        // alongside; a leak would be 1,000 or more.
        let settled = try eventually(10) { try openDescriptors() <= descriptorsBefore + 64 }
        let descriptorsAfter = try openDescriptors()
        #expect(settled, "\(descriptorsAfter) open, \(descriptorsBefore) before")
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000, context: context)
        #expect(try client.call(certify("after")).isOK)
        #expect(server.requestsReceived == 501)
    }

    /// A certification that reaches its deadline stops with the radius proven so far: the reply is ok,
    /// `complete: false`, and the decision follows the policy's `on_deadline` (flag for the fixtures).
    @Test func aCertificationThatHitsItsDeadlineIsPartialAndFlagged() throws {
        let logs = CapturedLogs()
        let server = try startServer(logs: logs)
        defer { server.stop(); server.wait() }
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        let reply = try client.call(certify("hurried", radius: true, deadline: 1))
        #expect(reply.isOK && reply.certificate?.complete == false)
        let accepted = (reply.certificate?.radius ?? 0) >= Fixtures.digitsPolicy.decide.acceptAtOrAbove
        #expect(accepted ? reply.decision?.action == "accept" : reply.decision?.flags.contains("deadline") == true)
    }
}

/// This process's resident memory (VmRSS of /proc/self/status), in kB.
private func residentKilobytes() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
    return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
}

/// File descriptors this process has open.
private func openDescriptors() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
}
