import Foundation
import GuardProtocol
@testable import GuardService
import Testing

/// The server core alone: events in, actions out, time given by hand. No sockets, threads or sleeps.
@Suite struct ServerCoreTests {
    private let start = ContinuousClock.now

    /// digits-lstm with no policy deadline, news-lstm with a 40 ms one.
    private static let catalog: [Reply.ModelInfo] = {
        var models = Fixtures.models.map(\.info)
        models[1].policy.deadlineMilliseconds = 40
        return models
    }()

    /// The fixtures' server listens on loopback only: without CURVE every peer may reload.
    private func core(workers: Int = 1, queue: Int = 2, admin: AdminAccess = AdminAccess(config: Fixtures.config())) -> ServerCore {
        ServerCore(workers: workers, queueCapacity: queue, limits: Fixtures.limits, models: Self.catalog, startedAt: start,
                   admin: admin)
    }

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    private func message(_ fields: [String: Any], from peer: String = "p", origin: Origin = Origin()) -> InboundMessage {
        InboundMessage(peer: Peer(envelope: [Data(peer.utf8)]), body: [Fixtures.header(fields)], origin: origin)
    }

    private func predict(_ id: String, model: String = "news-lstm", deadline: Double? = nil, op: String = "predict") -> InboundMessage {
        var fields: [String: Any] = ["v": 1, "id": id, "op": op, "model": model, "tokens": [1, 2, 3]]
        fields["deadline_ms"] = deadline
        return message(fields, from: "peer-\(id)")
    }

    /// The jobs handed to workers, by request id.
    private func started(_ actions: [ServerAction]) -> [String] {
        actions.compactMap { if case .run(let job) = $0 { job.request.id.description } else { nil } }
    }

    /// The replies, as (request id, error code or "ok").
    private func replies(_ actions: [ServerAction]) -> [String] {
        actions.compactMap {
            if case .reply(_, let outcome) = $0 { "\(outcome.reply.id.description):\(outcome.errorCode?.rawValue ?? "ok")" } else { nil }
        }
    }

    private func stops(_ actions: [ServerAction]) -> Bool {
        actions.contains { if case .stop = $0 { true } else { false } }
    }

    private func finished(_ id: String) -> (Peer, RequestOutcome) {
        (Peer(envelope: [Data("peer-\(id)".utf8)]), RequestOutcome(reply: Reply(id: .string(id), status: .ok, op: .predict)))
    }

    /// Issue 10: one model's slow certificates cannot starve the rest. Waiting predictions run first;
    /// certifications of different models take turns, oldest first within a model.
    @Test func predictionsOvertakeCertificationsAndModelsTakeTurns() {
        var core = core(workers: 1, queue: 8)
        _ = core.received(predict("running", op: "certify"), at: at(0))
        for id in ["n1", "n2", "n3"] { _ = core.received(predict(id, op: "certify"), at: at(0)) }
        _ = core.received(predict("d1", model: "digits-lstm", op: "certify"), at: at(0))
        _ = core.received(predict("d2", model: "digits-lstm", op: "certify"), at: at(0))
        _ = core.received(predict("p", model: "digits-lstm"), at: at(1))
        var order: [String] = []
        var last = "running"
        while core.queueDepth > 0 {
            let (peer, outcome) = finished(last)
            let next = started(core.finished(peer, outcome, at: at(2)))
            order += next
            last = next.first ?? ""
        }
        #expect(order == ["p", "n1", "d1", "n2", "d2", "n3"])
    }

    @Test func aFullQueueAnswersBusyAtOnce() {
        var core = core(workers: 1, queue: 1)
        #expect(started(core.received(predict("a"), at: at(0))) == ["a"])
        #expect(core.received(predict("b"), at: at(0)).isEmpty)
        let refused = core.received(predict("c"), at: at(0))
        #expect(replies(refused) == ["c:busy"])
        guard case .reply(let peer, let outcome) = refused.first else { Issue.record("no reply"); return }
        #expect(peer.envelope == [Data("peer-c".utf8)])
        #expect(outcome.op == .predict && outcome.model == "news-lstm")
        #expect(outcome.reply.message == "all 1 workers are busy and 1 requests are queued; retry later")
        #expect(core.busyWorkers == 1 && core.queueDepth == 1)
    }

    @Test func aFinishedJobIsAnsweredAndTheOldestWaitingOneRuns() {
        var core = core(workers: 1, queue: 3)
        _ = core.received(predict("a"), at: at(0))
        _ = core.received(predict("b"), at: at(1))
        _ = core.received(predict("c"), at: at(2))
        let (peer, outcome) = finished("a")
        let actions = core.finished(peer, outcome, at: at(3))
        #expect(replies(actions) == ["a:ok"] && started(actions) == ["b"])
        #expect(core.busyWorkers == 1 && core.queueDepth == 1)
    }

    @Test func healthAndModelsAreAnsweredWhileEveryWorkerIsBusy() throws {
        var core = core(workers: 1, queue: 1)
        _ = core.received(predict("a"), at: at(0))
        _ = core.received(predict("b"), at: at(0))
        let health = core.received(message(["v": 1, "id": "h", "op": "health"]), at: at(2500))
        guard case .reply(_, let outcome) = health.first else { Issue.record("no reply"); return }
        let body = try #require(outcome.reply.health)
        #expect(body.state == "serving" && body.uptimeSeconds == 2.5)
        #expect(body.workers == 1 && body.busyWorkers == 1 && body.queueDepth == 1 && body.queueCapacity == 1 && body.models == 2)
        let models = core.received(message(["v": 1, "id": 7, "op": "models"]), at: at(0))
        guard case .reply(_, let listed) = models.first else { Issue.record("no reply"); return }
        #expect(listed.reply.id == .number(7) && listed.reply.models?.map(\.name) == ["digits-lstm", "news-lstm"])
        #expect(listed.reply.models?[0].policy.acceptAtOrAbove == 0.1 && listed.reply.models?[0].input == "features")
        #expect(listed.reply.models?[1].input == "tokens|text" && listed.reply.models?[1].policy.deadlineMilliseconds == 40)
    }

    @Test func malformedRequestsGetTheirCodes() {
        var core = core()
        let notJSON = core.received(InboundMessage(peer: Peer(envelope: [Data("p".utf8)]), body: [Data("junk".utf8)]), at: at(0))
        #expect(replies(notJSON) == ["null:bad_json"])
        #expect(replies(core.received(message(["v": 1, "id": "u", "op": "nope"]), at: at(0))) == ["u:unknown_op"])
        #expect(replies(core.received(message(["v": 2, "id": "v", "op": "health"]), at: at(0))) == ["v:unsupported_version"])
        #expect(core.busyWorkers == 0 && core.queueDepth == 0)
    }

    @Test func aRequestWhoseDeadlinePassesInTheQueueIsAnsweredWithoutRunning() {
        var core = core(workers: 1, queue: 2)
        _ = core.received(predict("running", model: "digits-lstm"), at: at(0))
        // The client's 5 ms, under the policy's 40.
        _ = core.received(predict("late", deadline: 5), at: at(1))
        #expect(core.nextDeadline == at(1) + .milliseconds(5))
        #expect(core.tick(at: at(5)).isEmpty)
        let expired = core.tick(at: at(6))
        #expect(replies(expired) == ["late:deadline"])
        if case .reply(_, let outcome) = expired.first {
            #expect(outcome.reply.message == "the deadline passed after 5.0 ms in the queue")
            #expect(outcome.model == "news-lstm")
        }
        #expect(core.queueDepth == 0 && core.nextDeadline == nil)
        // The worker frees up: nothing is left to run.
        let (peer, outcome) = finished("running")
        #expect(started(core.finished(peer, outcome, at: at(7))).isEmpty)
    }

    @Test func thePolicyDeadlineCapsTheClients() {
        var core = core(workers: 1, queue: 2)
        _ = core.received(predict("running"), at: at(0))
        _ = core.received(predict("generous", deadline: 1000), at: at(0))
        #expect(core.nextDeadline == at(40))
        // Expired requests are answered before the freed worker takes the next one.
        _ = core.received(predict("next"), at: at(30))
        let (peer, outcome) = finished("running")
        let actions = core.finished(peer, outcome, at: at(45))
        #expect(replies(actions) == ["running:ok", "generous:deadline"])
        #expect(started(actions) == ["next"])
    }

    /// The decoder refuses a deadline beyond a day (issue 10); the longest one it admits still waits.
    @Test func aHugeDeadlineIsRefusedAndTheLongestOneWaits() {
        var core = core(workers: 1, queue: 2)
        _ = core.received(predict("running", model: "digits-lstm"), at: at(0))
        let refused = core.received(predict("greedy", model: "digits-lstm", deadline: 1e16), at: at(0))
        #expect(replies(refused) == ["greedy:bad_field"])
        _ = core.received(predict("patient", model: "digits-lstm", deadline: 86_400_000), at: at(0))
        #expect(core.nextDeadline == at(0) + .seconds(86_400))
    }

    @Test func shutdownDrainsEveryAcceptedRequestThenStops() {
        var core = core(workers: 1, queue: 2)
        _ = core.received(predict("a"), at: at(0))
        _ = core.received(predict("b"), at: at(0))
        #expect(core.shutdown().isEmpty && core.state == .draining)
        #expect(core.shutdown().isEmpty)
        #expect(replies(core.received(predict("late"), at: at(1))) == ["late:shutting_down"])
        #expect(replies(core.received(message(["v": 1, "id": "h", "op": "health"]), at: at(1))) == ["h:shutting_down"])
        // A request that cannot be read is still told why, not that the server stops.
        #expect(replies(core.received(message(["v": 1, "id": "x", "op": "nope"]), at: at(1))) == ["x:unknown_op"])

        let (peerA, outcomeA) = finished("a")
        let first = core.finished(peerA, outcomeA, at: at(2))
        #expect(replies(first) == ["a:ok"] && started(first) == ["b"] && !stops(first))
        let (peerB, outcomeB) = finished("b")
        let last = core.finished(peerB, outcomeB, at: at(3))
        #expect(replies(last) == ["b:ok"] && stops(last) && core.state == .stopped)
        #expect(replies(core.received(predict("after"), at: at(4))) == ["after:shutting_down"])
    }

    @Test func anIdleServerStopsAtOnce() {
        var core = core()
        #expect(stops(core.shutdown()) && core.state == .stopped)
    }

    /// The reloads asked for, by request id.
    private func reloads(_ actions: [ServerAction]) -> [String] {
        actions.compactMap { if case .reload(_, let id) = $0 { id.description } else { nil } }
    }

    private func reload(_ id: String, from origin: Origin) -> InboundMessage {
        message(["v": 1, "id": id, "op": "reload"], from: "admin", origin: origin)
    }

    /// Issue 10: `reload` is an admin op. Without CURVE, a server listening beyond loopback takes it only
    /// from a loopback peer; with CURVE, only from an admin key, wherever it connects from.
    @Test func reloadIsForAdminsOnly() {
        var open = Fixtures.config()
        open.listen = ["tcp://0.0.0.0:5555"]
        var plain = core(admin: AdminAccess(config: open))
        #expect(replies(plain.received(reload("far", from: Origin(address: "10.1.2.3")), at: at(0))) == ["far:forbidden"])
        #expect(replies(plain.received(reload("none", from: Origin()), at: at(0))) == ["none:forbidden"])
        #expect(reloads(plain.received(reload("near", from: Origin(address: "127.0.0.1")), at: at(0))) == ["near"])
        #expect(reloads(plain.received(reload("mapped", from: Origin(address: "::ffff:127.0.0.1")), at: at(0))) == ["mapped"])
        #expect(reloads(plain.received(reload("v6", from: Origin(address: "::1")), at: at(0))) == ["v6"])
        // Through a proxy the sender is unknown, even to a server that listens on loopback only.
        var local = core()
        #expect(replies(local.received(reload("proxied", from: Origin(address: "127.0.0.1", proxied: true)), at: at(0)))
                == ["proxied:forbidden"])

        let admin = String(repeating: "a", count: 40), user = String(repeating: "u", count: 40)
        var secured = Fixtures.config(curve: GuardConfig.CurveSettings(secretKey: String(repeating: "s", count: 40),
                                                                       allowedClients: [admin, user], adminClients: [admin]))
        secured.listen = ["tcp://127.0.0.1:5555"]
        var curve = core(admin: AdminAccess(config: secured))
        #expect(replies(curve.received(reload("user", from: Origin(address: "127.0.0.1", clientKey: user)), at: at(0))) == ["user:forbidden"])
        #expect(reloads(curve.received(reload("admin", from: Origin(address: "10.1.2.3", clientKey: admin)), at: at(0))) == ["admin"])
    }

    @Test func localEndpointsAreRecognised() {
        for endpoint in ["tcp://127.0.0.1:5555", "tcp://localhost:1", "tcp://[::1]:5555", "ipc:///tmp/guard", "inproc://guard"] {
            #expect(AdminAccess.isLocalEndpoint(endpoint), "\(endpoint)")
        }
        for endpoint in ["tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://10.0.0.1:5555", "tcp://eth0:5555", "tcp://[::]:5555"] {
            #expect(!AdminAccess.isLocalEndpoint(endpoint), "\(endpoint)")
        }
        #expect(!AdminAccess.isLoopback("127.0.0.300") && !AdminAccess.isLoopback("1270.0.0.1") && AdminAccess.isLoopback("127.9.8.7"))
    }

    /// A reload's reply lists the models served once it is done (or says why it failed), and a draining
    /// server waits for it like for any accepted request.
    @Test func aReloadIsAnsweredWhenItFinishesAndHoldsTheStop() {
        var core = core()
        #expect(reloads(core.received(reload("r1", from: Origin(address: "127.0.0.1")), at: at(0))) == ["r1"])
        #expect(reloads(core.received(reload("r2", from: Origin(address: "127.0.0.1")), at: at(0))) == ["r2"])
        #expect(core.shutdown().isEmpty && core.state == .draining)
        let peer = Peer(envelope: [Data("admin".utf8)])
        let failed = core.reloadFinished(peer, id: .string("r1"), failure: "models[0].path: cannot read x", at: at(1))
        #expect(replies(failed) == ["r1:reload_failed"] && !stops(failed))
        var served = Self.catalog
        served.removeLast()
        core.replaceModels(served)
        let done = core.reloadFinished(peer, id: .string("r2"), failure: nil, at: at(2))
        #expect(replies(done) == ["r2:ok"] && stops(done))
        if case .reply(_, let outcome)? = done.first {
            #expect(outcome.reply.op == .reload && outcome.reply.models?.map(\.name) == ["digits-lstm"])
        }
    }
}
