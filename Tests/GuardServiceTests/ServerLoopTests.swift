import Foundation
import GuardProtocol
@testable import GuardService
import Logging
import Testing

/// The whole server without sockets: the in-memory transport, the real workers and handler, a manual
/// clock and an in-memory recorder. Each test turns the loop itself, so what arrives in one turn is
/// known exactly.
@Suite struct ServerLoopTests {
    let transport = InMemoryTransport()
    let recorder = InMemoryRecorder()
    let clock = ManualClock()

    private func loop(workers: Int = 1, queue: Int = 4, models: [ServedModel] = Fixtures.models,
                      recorder: (any ServerRecorder)? = nil, runner: (any JobRunner)? = nil,
                      reloader: ServerLoop.Reloader? = nil) -> ServerLoop {
        var logger = Logger(label: "rnnguard.test")
        logger.logLevel = .critical
        let core = ServerCore(workers: workers, queueCapacity: queue, limits: Fixtures.limits, models: models.map(\.info),
                              startedAt: clock.now(), admin: AdminAccess(config: Fixtures.config()))
        return ServerLoop(core: core, transport: transport,
                          handler: runner ?? RequestHandler(models: models, limits: Fixtures.limits, clock: clock),
                          recorder: recorder ?? self.recorder, clock: clock, logger: logger, reloader: reloader)
    }

    /// Turns `loop` until `count` replies have been sent (workers run on their own threads).
    private func turn(_ loop: ServerLoop, untilReplies count: Int) {
        for _ in 0..<2000 where transport.sent.count < count {
            loop.turn(timeout: .milliseconds(10))
        }
    }

    /// Stops `loop` and waits for its workers, so no test leaves threads behind.
    private func finish(_ loop: ServerLoop) {
        loop.requestStop()
        loop.run(pollInterval: .milliseconds(10))
    }

    private func predict(_ id: String, input: Int = 0, deadline: Double? = nil, op: String = "predict") -> [Data] {
        var fields: [String: Any] = ["v": 1, "id": id, "op": op, "model": "digits-lstm", "shape": [8, 8], "dtype": "f32"]
        fields["deadline_ms"] = deadline
        return [Fixtures.header(fields), Fixtures.payload(Fixtures.digitsInputs[input].flatMap { $0 })]
    }

    private func code(_ id: String) -> String? {
        transport.repliesByID[.string(id)].map { $0.code?.rawValue ?? "ok" }
    }

    @Test func everyOpIsAnsweredToItsPeerAndRecordedOnce() throws {
        let loop = loop(workers: 2)
        defer { finish(loop) }
        transport.deliver([Fixtures.header(["v": 1, "id": "h", "op": "health"])], from: "alice")
        transport.deliver([Fixtures.header(["v": 1, "id": "m", "op": "models"])], from: "bob")
        transport.deliver(predict("p"), from: "alice")
        transport.deliver(predict("c", input: 1, op: "certify"), from: "carol")
        transport.deliver([Fixtures.header(["v": 1, "id": "u", "op": "nope"])], from: "bob")
        transport.deliver([Data("junk".utf8)], from: "dave")
        turn(loop, untilReplies: 6)

        let sent = transport.sent
        #expect(sent.count == 6)
        let peers = Dictionary(sent.map { ($0.reply.id.description, $0.peer) }, uniquingKeysWith: { a, _ in a })
        #expect(peers == ["h": "alice", "m": "bob", "p": "alice", "c": "carol", "u": "bob", "null": "dave"])
        let replies = transport.repliesByID
        #expect(replies[.string("h")]?.health?.workers == 2)
        #expect(replies[.string("m")]?.models?.map(\.name) == ["digits-lstm", "news-lstm"])
        let expected = try Fixtures.models[0].classifier.predict(Fixtures.digitsInputs[0].map { $0.map(Double.init) })
        #expect(replies[.string("p")]?.prediction?.logits == expected.logits)
        #expect(replies[.string("c")]?.decision != nil && replies[.string("c")]?.certificate?.mode == "threshold")
        #expect(code("u") == "unknown_op" && replies[.none]?.code == .badJSON)
        // One record per reply, in the order sent; two jobs ran on workers.
        #expect(recorder.outcomes.map(\.reply.id) == sent.map(\.reply.id))
        #expect(recorder.busySeconds.count == 2)
        #expect(recorder.outcomes.first { $0.reply.id == .string("c") }?.decision != nil)
        #expect(loop.requestsReceived == 6)
    }

    @Test func aFullQueueAnswersBusyAndLosesNothing() {
        let loop = loop(workers: 1, queue: 1)
        defer { finish(loop) }
        for n in 0..<4 { transport.deliver(predict("q\(n)"), from: "client") }
        // One turn reads all four: one runs, one waits, two are refused before anything finishes.
        loop.turn(timeout: .zero)
        #expect(transport.sent.map(\.reply.id) == [.string("q2"), .string("q3")])
        #expect(transport.sent.allSatisfy { $0.reply.code == .busy })
        #expect(recorder.loads.last == InMemoryRecorder.Load(queueDepth: 1, queueCapacity: 1, busyWorkers: 1, workers: 1))
        turn(loop, untilReplies: 4)
        #expect(code("q0") == "ok" && code("q1") == "ok")
    }

    @Test func aDeadlinePassingInTheQueueIsAnsweredWithoutRunning() {
        let loop = loop(workers: 1, queue: 4)
        defer { finish(loop) }
        transport.deliver(predict("first", op: "certify"), from: "client")
        transport.deliver(predict("waiting", deadline: 5), from: "client")
        transport.deliver(predict("patient", deadline: 60_000), from: "client")
        loop.turn(timeout: .zero)
        clock.advance(by: .milliseconds(6))
        turn(loop, untilReplies: 3)
        #expect(code("first") == "ok" && code("waiting") == "deadline" && code("patient") == "ok")
        #expect(transport.repliesByID[.string("waiting")]?.message == "the deadline passed after 6.0 ms in the queue")
        // Only the two that ran spent worker time.
        #expect(recorder.busySeconds.count == 2)
    }

    @Test func shutdownAnswersEveryAcceptedRequestAndRefusesLaterOnes() {
        let loop = loop(workers: 1, queue: 4)
        let ids = (0..<4).map { "s\($0)" }
        for (n, id) in ids.enumerated() { transport.deliver(predict(id, input: n, op: "certify"), from: "client-\(n)") }
        loop.turn(timeout: .zero)
        loop.requestStop()
        transport.deliver([Fixtures.header(["v": 1, "id": "late", "op": "health"])], from: "late")
        var turns = 0
        while loop.turn(timeout: .milliseconds(10)) { turns += 1 }
        #expect(turns < 2000)
        #expect(loop.core.state == .stopped)
        #expect(ids.allSatisfy { code($0) == "ok" }, "\(transport.sent.map { "\($0.reply.id): \($0.reply.code?.rawValue ?? "ok")" })")
        #expect(code("late") == "shutting_down")
        #expect(transport.sent.count == 5)
        finish(loop)
    }

    @Test func aStopWithNothingInFlightEndsTheFirstTurnAndAnswersWhatArrived() {
        let loop = loop()
        transport.deliver(predict("racing"), from: "client")
        loop.requestStop()
        #expect(!loop.turn(timeout: .milliseconds(10)))
        #expect(code("racing") == "shutting_down")
        finish(loop)
    }

    /// The real recorder, read without scraping: the loop records each reply right after sending it.
    @Test func theObservabilityRecorderCountsEveryReplyAndAuditsRefusals() throws {
        let path = Fixtures.temporaryPath("audit.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var strict = Fixtures.digitsPolicy
        strict.decide = DecisionPolicy(acceptAtOrAbove: 1000, refuseBelow: 1000)
        let models = [ServedModel(policy: strict, classifier: Fixtures.models[0].classifier)]
        let metrics = GuardMetrics()
        let recorder = ObservabilityRecorder(metrics: metrics, audit: try AuditLog(path: path),
                                             logger: Logger(label: "rnnguard.test"), models: models.map(\.info))
        let loop = loop(workers: 1, queue: 1, models: models, recorder: recorder)
        defer { finish(loop) }
        transport.deliver(predict("p"), from: "client")
        transport.deliver(predict("c", input: 2, op: "certify"), from: "client")
        transport.deliver(predict("b"), from: "client")
        transport.deliver([Data("junk".utf8)], from: "client")
        turn(loop, untilReplies: 4)

        let exposition = metrics.exposition()
        for line in [
            #"rnnguard_requests_total{model="digits-lstm",op="predict",decision="none",code="ok"} 1"#,
            #"rnnguard_requests_total{model="digits-lstm",op="certify",decision="refuse",code="ok"} 1"#,
            #"rnnguard_requests_total{model="digits-lstm",op="predict",decision="none",code="busy"} 1"#,
            #"rnnguard_requests_total{model="none",op="none",decision="none",code="bad_json"} 1"#,
            #"rnnguard_inference_seconds_count{model="digits-lstm"} 2"#,
            #"rnnguard_certified_radius_count{model="digits-lstm"} 1"#,
            "rnnguard_queue_capacity 1", "rnnguard_workers 1",
        ] {
            #expect(exposition.contains(line), "missing: \(line)")
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 1)
        let record = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(record?["id"] as? String == "c" && record?["decision"] as? String == "refuse")
        #expect((record?["policy"] as? [String: Any])?["refuse_below"] as? Double == 1000)
        #expect(record?["radius"] as? Double == transport.repliesByID[.string("c")]?.certificate?.radius)
        // The digest is keyed (its exact value under a known key is checked in ObservabilityTests).
        let digest = record?["input_hmac_sha256"] as? String ?? ""
        #expect(digest.count == 64 && digest.allSatisfy(\.isHexDigit) && record?["input_sha256"] == nil)
    }

    @Test func everyBadInputGetsItsCodeAndTheNextRequestIsServed() throws {
        let header = Fixtures.header
        let good = Fixtures.payload(Fixtures.digitsInputs[0].flatMap { $0 })
        let fields: [String: Any] = ["v": 1, "id": "bad", "op": "predict", "model": "digits-lstm", "shape": [8, 8], "dtype": "f32"]
        func with(_ changes: [String: Any]) -> Data { header(fields.merging(changes) { $1 }) }
        var nan = Fixtures.digitsInputs[0].flatMap { $0 }
        nan[10] = .nan
        let cases: [(String, [Data], String)] = [
            ("not JSON", [Data("not json".utf8)], "bad_json"),
            ("missing op", [header(["v": 1, "id": "bad"])], "missing_field"),
            ("missing model", [header(["v": 1, "id": "bad", "op": "predict", "shape": [8, 8], "dtype": "f32"]), good], "missing_field"),
            ("three frames", [with([:]), good, good], "bad_frames"),
            ("no payload", [with([:])], "bad_frames"),
            ("payload size", [with(["shape": [8, 7]]), good], "shape_mismatch"),
            ("feature count", [with(["shape": [16, 4]]), good], "shape_mismatch"),
            ("NaN", [with([:]), Fixtures.payload(nan)], "non_finite"),
            ("unknown model", [with(["model": "no-such-model"]), good], "unknown_model"),
            ("unknown op", [header(["v": 1, "id": "bad", "op": "nope"])], "unknown_op"),
            ("dtype", [with(["dtype": "f64"]), good], "bad_dtype"),
            ("oversized", [with(["shape": [2, 600]]), Data(count: 4800)], "too_large"),
            ("too long", [with(["shape": [65, 8]]), Data(count: 65 * 8 * 4)], "sequence_too_long"),
            ("unknown token", [header(["v": 1, "id": "bad", "op": "predict", "model": "news-lstm", "tokens": [3, 10_000_000]])], "unknown_token"),
            ("version", [header(["v": 9, "id": "bad", "op": "health"])], "unsupported_version"),
            ("override", [with(["op": "certify", "certify": ["norm": "1"]]), good], "bad_override"),
        ]
        let loop = loop(workers: 2)
        defer { finish(loop) }
        for (index, (name, frames, code)) in cases.enumerated() {
            transport.deliver(frames, from: "client")
            transport.deliver(predict("good-\(index)"), from: "client")
            turn(loop, untilReplies: 2 * (index + 1))
            let replies = transport.sent.suffix(2).map(\.reply)
            guard let reply = replies.first(where: { $0.status == .error }) else {
                Issue.record("\(name): no error reply")
                continue
            }
            #expect(reply.code?.rawValue == code, "\(name): got \(reply.code?.rawValue ?? "ok") \(reply.message ?? "")")
            #expect(reply.message?.isEmpty == false)
            if code != "bad_json" { #expect(reply.id == .string("bad"), "\(name): id not echoed") }
            #expect(replies.contains { $0.id == .string("good-\(index)") && $0.isOK }, "\(name): the next request was not served")
        }
    }

    /// Issue 10: a job that fails in a way the handler does not expect (here: a runner that throws) is
    /// answered `internal`, and the same single worker goes on serving.
    @Test func aRunnerThatThrowsCostsOneRequestNotTheWorker() {
        let handler = RequestHandler(models: Fixtures.models, limits: Fixtures.limits, clock: clock)
        let loop = loop(workers: 1, runner: ThrowingRunner(handler: handler))
        defer { finish(loop) }
        for id in ["boom-1", "p1", "boom-2", "p2"] { transport.deliver(predict(id), from: "client") }
        turn(loop, untilReplies: 4)
        #expect(code("boom-1") == "internal" && code("boom-2") == "internal")
        #expect(transport.repliesByID[.string("boom-1")]?.message == "the request failed unexpectedly: unexpected failure in the test runner")
        #expect(code("p1") == "ok" && code("p2") == "ok")
        #expect(recorder.busySeconds.count == 4 && loop.core.busyWorkers == 0)
    }

    /// Issue 10: a `reload` request runs the reloader off the I/O thread; a job running meanwhile finishes,
    /// the reply lists the new set, and a failed reload is answered `reload_failed` with the old set kept.
    @Test func aReloadRequestSwapsTheSetAndInFlightJobsFinish() {
        let holder = LoopHolder()
        let onlyDigits = [Fixtures.models[0]]
        let loop = loop(workers: 1, reloader: { [clock] in
            guard let loop = holder.loop, holder.nextReloadSucceeds() else { return "models[0].path: cannot read it" }
            loop.requestReload(RequestHandler(models: onlyDigits, limits: Fixtures.limits, clock: clock))
            return nil
        })
        holder.loop = loop
        defer { finish(loop) }
        transport.deliver(predict("running", op: "certify"), from: "client")
        transport.deliver([Fixtures.header(["v": 1, "id": "r1", "op": "reload"])], from: "admin")
        turn(loop, untilReplies: 2)
        #expect(code("running") == "ok" && code("r1") == "ok")
        #expect(transport.repliesByID[.string("r1")]?.models?.map(\.name) == ["digits-lstm"])
        transport.deliver([Fixtures.header(["v": 1, "id": "gone", "op": "predict", "model": "news-lstm", "tokens": [1]])], from: "client")
        transport.deliver([Fixtures.header(["v": 1, "id": "r2", "op": "reload"])], from: "admin")
        turn(loop, untilReplies: 4)
        #expect(code("gone") == "unknown_model")
        #expect(code("r2") == "reload_failed")
        #expect(transport.repliesByID[.string("r2")]?.message == "the previous policy and models keep serving: models[0].path: cannot read it")
        #expect(loop.core.reloadsInFlight == 0)
    }
}

/// Runs the real handler, except that requests whose id starts with "boom" throw an error it never would.
private struct ThrowingRunner: JobRunner {
    struct Unexpected: Error, CustomStringConvertible {
        var description: String { "unexpected failure in the test runner" }
    }

    let handler: RequestHandler

    func handle(_ request: Request, receivedAt: ContinuousClock.Instant) throws -> RequestOutcome {
        if case .string(let id) = request.id, id.hasPrefix("boom") { throw Unexpected() }
        return handler.handle(request, receivedAt: receivedAt)
    }
}

/// The loop a reloader talks back to (it exists only after the reloader is made), and whether the next
/// reload succeeds: the first does, later ones fail.
private final class LoopHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: ServerLoop?
    private var reloads = 0

    var loop: ServerLoop? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func nextReloadSucceeds() -> Bool {
        lock.withLock {
            reloads += 1
            return reloads == 1
        }
    }
}
