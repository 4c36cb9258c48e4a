#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GuardClient
import GuardProtocol
import Testing

/// Issue 10 item 6, with real processes on loopback: `rnnguard proxy` and `rnnguard serve --connect`
/// sidecars (one worker each). Throughput grows when sidecars are added, and Lazy Pirate clients lose
/// no request when a sidecar is killed with SIGKILL in the middle of a run.
///
/// Everything shares the machine's cores (CI has two), so the growth asserted is far below the
/// sidecar count; docs/reliability.md has the measured figures.
@Suite("rnnguard proxy with sidecar processes", .serialized)
struct ProxyProcessTests {
    /// The digits model's bundled inputs and PyTorch's label for each.
    private static let inputs: [(sequence: [[Float]], label: Int)] = {
        let path = repositoryRoot.appendingPathComponent("examples/models/digits-lstm/inputs.json")
        guard let data = try? Data(contentsOf: path),
              let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else { return [] }
        return list.compactMap { item in
            guard let rows = item["sequence"] as? [[NSNumber]], let label = item["label"] as? Int else { return nil }
            return (rows.map { $0.map(\.floatValue) }, label)
        }
    }()

    /// Concurrent clients, each with one request in flight: enough to keep three one-worker sidecars busy.
    private static let clients = 4
    /// Per attempt; far above a request's time with three others queued before it (a threshold check of
    /// the digits model takes about 0.35 s of CPU in a debug build).
    private static let timeoutMilliseconds: Int32 = 6000

    @Test func throughputGrowsWithSidecarsAndAKilledSidecarLosesNoRequest() throws {
        try #require(Self.inputs.count >= 8)
        let (frontend, backend) = (try freePort(), try freePort())
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var processes = Processes(logs: work)
        defer { processes.stopAll() }

        let proxy = try processes.start("proxy", ["proxy", "--frontend", "tcp://127.0.0.1:\(frontend)",
                                                  "--backend", "tcp://127.0.0.1:\(backend)", "--log-level", "error"])
        let endpoint = "tcp://127.0.0.1:\(frontend)"
        var sidecars: [Process] = []
        func addSidecar() throws {
            sidecars.append(try processes.startSidecar(index: sidecars.count, backend: "tcp://127.0.0.1:\(backend)"))
        }

        try addSidecar()
        let one = try run(endpoint, requests: 16, tag: "one")
        try addSidecar()
        try addSidecar()
        let three = try run(endpoint, requests: 32, tag: "three")
        // Two cores for five processes: three sidecars can use both cores where one uses one.
        print("proxy throughput: 1 sidecar \(one.throughput) req/s, 3 sidecars \(three.throughput) req/s")
        #expect(three.throughput > 1.25 * one.throughput,
                "1 sidecar: \(one.throughput) req/s, 3 sidecars: \(three.throughput) req/s")

        // Kill one sidecar while every client has a request in flight; its requests are resent elsewhere.
        let killed = sidecars[1]
        let pid = killed.processIdentifier
        let run = try self.run(endpoint, requests: 32, tag: "kill", afterReplies: 8) { kill(pid, SIGKILL) }
        killed.waitUntilExit()
        #expect(killed.terminationReason == .uncaughtSignal)
        #expect(run.resends > 0, "the killed sidecar held no request: nothing was resent")
        print("kill -9 of one of three sidecars: 32 requests, 32 correct replies, \(run.resends) resent")

        // SIGTERM ends the proxy cleanly.
        proxy.terminate()
        proxy.waitUntilExit()
        #expect(proxy.terminationReason == .exit && proxy.terminationStatus == 0)
    }

    private struct RunResult {
        var throughput: Double
        var resends: Int
    }

    /// `requests` certify calls spread over ``clients`` Lazy Pirate clients; every one must come back
    /// exactly once, ok, with PyTorch's label. `action` runs once, after `afterReplies` replies.
    private func run(_ endpoint: String, requests: Int, tag: String, afterReplies: Int = .max,
                     action: @escaping @Sendable () -> Void = {}) throws -> RunResult {
        let tally = Tally()
        let done = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        for client in 0..<Self.clients {
            let thread = Thread {
                defer { done.signal() }
                do {
                    let pirate = try LazyPirateClient(endpoint: endpoint, timeoutMilliseconds: Self.timeoutMilliseconds, retries: 3)
                    for n in stride(from: client, to: requests, by: Self.clients) {
                        let input = Self.inputs[n % Self.inputs.count]
                        let id = RequestID.string("\(tag)-\(n)")
                        let reply = try pirate.call(GuardRequest(id: id, op: .certify, model: "digits-lstm", sequence: input.sequence))
                        let correct = reply.id == id && reply.isOK && reply.prediction?.label == input.label && reply.decision != nil
                        if tally.record(id: id, correct: correct, reply: "\(reply.code?.rawValue ?? "ok") \(reply.message ?? "")") == afterReplies {
                            action()
                        }
                    }
                    tally.add(resends: pirate.resends)
                } catch {
                    tally.fail("client \(client): \(error)")
                }
            }
            thread.start()
        }
        for _ in 0..<Self.clients { done.wait() }
        let seconds = started.duration(to: .now) / .seconds(1)
        let (replies, wrong, failures, resends) = tally.summary
        #expect(failures.isEmpty, "\(failures)")
        #expect(wrong.isEmpty, "wrong or duplicated replies: \(wrong)")
        #expect(replies == requests)
        return RunResult(throughput: Double(requests) / seconds, resends: resends)
    }
}

/// The processes of one test: started with their output in a log file each (a pipe nobody reads could
/// fill and block them), stopped with SIGTERM at the end.
private struct Processes {
    let logs: URL
    private var started: [Process] = []

    init(logs: URL) { self.logs = logs }

    mutating func start(_ name: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        let log = logs.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        started.append(process)
        return process
    }

    /// A one-worker sidecar taking requests from `backend`, with its own loopback listen endpoint for the
    /// health probe; returns once that endpoint answers `serving` (its models are loaded and it has
    /// connected to the proxy).
    mutating func startSidecar(index: Int, backend: String) throws -> Process {
        let port = try freePort()
        let config = logs.appendingPathComponent("sidecar-\(index).yaml")
        try """
            listen: tcp://127.0.0.1:\(port)
            workers: 1
            models:
              - name: digits-lstm
                path: examples/models/digits-lstm
                certify: {norm: 2}
                decide: {accept_at_or_above: 0.05, refuse_below: 0.01}
            """.write(to: config, atomically: true, encoding: .utf8)
        let process = try start("sidecar-\(index)", ["serve", "--config", config.path, "--connect", backend, "--log-level", "warning"])
        let probe = try GuardClient(endpoint: "tcp://127.0.0.1:\(port)", timeoutMilliseconds: 20_000)
        let health = try probe.health()
        try #require(health.health?.state == "serving", "sidecar \(index) did not start: see its log")
        return process
    }

    func stopAll() {
        for process in started where process.isRunning { process.terminate() }
        for process in started { process.waitUntilExit() }
    }
}

/// Replies counted across the client threads.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<RequestID> = []
    private var wrong: [String] = []
    private var failures: [String] = []
    private var resends = 0

    /// Records one reply; returns how many have been recorded.
    func record(id: RequestID, correct: Bool, reply: String) -> Int {
        lock.withLock {
            let first = seen.insert(id).inserted
            if !correct || !first { wrong.append("\(id): \(reply)") }
            return seen.count
        }
    }

    func add(resends count: Int) { lock.withLock { resends += count } }

    func fail(_ message: String) { lock.withLock { failures.append(message) } }

    var summary: (replies: Int, wrong: [String], failures: [String], resends: Int) {
        lock.withLock { (seen.count, wrong, failures, resends) }
    }
}
