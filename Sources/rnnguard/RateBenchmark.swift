import Foundation
import GuardClient
import GuardProtocol
import ZeroMQ

/// `bench --server E --rate R --duration S [--malformed-share F]`: open-loop load for soak runs.
///
/// `clients` DEALER sockets (one thread each) send `certify` (threshold mode) requests on a fixed
/// schedule, R per second in all, whatever the replies do: a slow server meets the same offered load
/// instead of a politely waiting client (closed-loop benchmarks hide overload). Latency counts from the
/// scheduled send time, so a client that falls behind does not hide the delay (no coordinated omission).
/// A share F of the requests is malformed (bad JSON, an unknown header field, a payload of the wrong
/// size or an unknown token), and each must be answered with its error code.
///
/// Every reply is matched to its request by `id`: a reply to no outstanding request, a second reply, or
/// a malformed request answered with anything but its code is *mismatched*; a request without a reply
/// 30 s after the last send is *lost*.
struct RateBenchmark {
    let endpoint: String
    /// Requests per second, all clients together.
    let rate: Double
    let seconds: Double
    /// Share of requests that are malformed, 0...1.
    let malformedShare: Double
    let clients: Int
    let model: String?
    let steps = 8
    /// How long to wait for the last replies after the last send.
    static let drainSeconds = 30.0

    /// Checks the options: every number from the command line is range-checked before use.
    static func validate(rate: Double, seconds: Double, malformedShare: Double, clients: Int) throws {
        guard rate.isFinite, rate > 0, rate <= 100_000 else { throw BenchmarkError("--rate must lie in (0, 100000] requests per second") }
        guard seconds.isFinite, seconds > 0, seconds <= 86_400 else { throw BenchmarkError("--duration must lie in (0, 86400] seconds") }
        guard malformedShare.isFinite, (0...1).contains(malformedShare) else { throw BenchmarkError("--malformed-share must lie in [0, 1]") }
        guard (1...1024).contains(clients) else { throw BenchmarkError("--clients must lie in 1...1024") }
    }

    /// Runs the load (options checked by ``validate(rate:seconds:malformedShare:clients:)``) and reports.
    func run() throws -> String {
        let context = try Context()
        let probe = try GuardClient(endpoint: endpoint, timeoutMilliseconds: 5000, context: context)
        let (target, inputs) = try benchmarkInputs(probe: probe, endpoint: endpoint, model: model, steps: steps)
        for request in inputs.prefix(4) { _ = try probe.call(request) }  // warm-up

        let window = min(60, seconds)
        let sockets = try (0..<clients).map { _ in
            let socket = try Socket(context: context, type: .dealer)
            try socket.connect(endpoint)
            return socket
        }
        let results = ResultBox(count: clients, initial: RateResult())
        let done = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now + .milliseconds(100)  // every thread is running by then
        for (index, socket) in sockets.enumerated() {
            let client = RateClient(index: index, socket: socket, target: target, inputs: inputs, start: start,
                                    interval: .seconds(Double(clients) / rate), firstOffset: .seconds(Double(index) / rate),
                                    end: start + .seconds(seconds), window: window, malformedShare: malformedShare)
            Thread {
                results.set(index, client.run())
                done.signal()
            }.start()
        }
        for _ in 0..<clients { done.wait() }
        let total = results.all.reduce(into: RateResult()) { $0.merge($1) }
        return report(total, target: target, window: window)
    }

    private func report(_ total: RateResult, target: Reply.ModelInfo, window: Double) -> String {
        var lines = [String(format: "rnnguard bench --server %@ --rate %.1f --duration %.0f: model %@, %d clients, certify (threshold), %.1f%% malformed",
                            endpoint, rate, seconds, target.name, clients, malformedShare * 100), ""]
        var table = [["window", "sent", "ok", "errors", "p50 ms", "p99 ms"]]
        for index in 0..<Int((seconds / window).rounded(.up)) {
            let latencies = total.latencies[index] ?? []
            let errors = total.errors[index] ?? [:]
            table.append([String(format: "%.0f-%.0f s", Double(index) * window, min(seconds, Double(index + 1) * window)),
                          "\(total.sent[index] ?? 0)", "\(latencies.count)",
                          errors.isEmpty ? "0" : errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                          String(format: "%.3f", nearestRankPercentile(latencies, 0.5)),
                          String(format: "%.3f", nearestRankPercentile(latencies, 0.99))])
        }
        lines.append(Demo.table(table))
        let all = total.latencies.values.flatMap { $0 }
        lines.append("")
        lines.append(String(format: "overall: p50 %.3f ms, p99 %.3f ms", nearestRankPercentile(all, 0.5), nearestRankPercentile(all, 0.99)))
        // One line of key=value pairs, for scripts (scripts/soak.sh).
        lines.append("summary: sent=\(total.sent.values.reduce(0, +)) malformed=\(total.malformedSent) "
                     + "malformed_answered=\(total.malformedAnswered) lost=\(total.lost) mismatched=\(total.mismatched) "
                     + "unsent=\(total.unsent)")
        return lines.joined(separator: "\n")
    }
}

/// One client's counts; windows are keyed by their index.
private struct RateResult {
    var sent: [Int: Int] = [:]
    /// Latencies (ms, from the scheduled send) of the well-formed requests answered ok, per window.
    var latencies: [Int: [Double]] = [:]
    /// Error codes of well-formed requests (busy, deadline, ...), per window.
    var errors: [Int: [String: Int]] = [:]
    var malformedSent = 0
    var malformedAnswered = 0
    var mismatched = 0
    var lost = 0
    /// Requests the client's own send queue refused (never reached the server).
    var unsent = 0

    mutating func merge(_ other: RateResult) {
        sent.merge(other.sent, uniquingKeysWith: +)
        latencies.merge(other.latencies, uniquingKeysWith: +)
        errors.merge(other.errors) { $0.merging($1, uniquingKeysWith: +) }
        malformedSent += other.malformedSent
        malformedAnswered += other.malformedAnswered
        mismatched += other.mismatched
        lost += other.lost
        unsent += other.unsent
    }
}

/// One open-loop client: its socket belongs to its own thread from `run()` on.
private struct RateClient: @unchecked Sendable {
    let index: Int
    let socket: Socket
    let target: Reply.ModelInfo
    let inputs: [GuardRequest]
    let start: ContinuousClock.Instant
    let interval: Duration
    let firstOffset: Duration
    let end: ContinuousClock.Instant
    let window: Double
    let malformedShare: Double

    /// What an outstanding request expects: an ok-or-load-error reply, or one error code.
    private struct Outstanding {
        let scheduled: ContinuousClock.Instant
        let expected: ErrorCode?
    }

    func run() -> RateResult {
        var result = RateResult()
        var outstanding: [RequestID: Outstanding] = [:]
        var badJSONOutstanding = 0  // their replies carry id null
        var generator = SplitMix64(seed: 1000 + UInt64(index))
        let poller = Poller()
        poller.register(socket)
        var next = start + firstOffset
        var n = 0
        while true {
            let now = ContinuousClock.now
            if next < end && now >= next {
                let windowIndex = Int((start.duration(to: next).seconds / window).rounded(.down))
                let id = RequestID.string("r\(index)-\(n)")
                let malformed = generator.unit() < malformedShare
                let (frames, expected) = malformed ? malformedFrames(id: id, kind: n % 3) : (validFrames(id: id, n: n), nil)
                if (try? socket.send([Data()] + frames, dontWait: true)) == true {
                    result.sent[windowIndex, default: 0] += 1
                    if malformed { result.malformedSent += 1 }
                    if expected == .badJSON { badJSONOutstanding += 1 } else { outstanding[id] = Outstanding(scheduled: next, expected: expected) }
                } else {
                    result.unsent += 1
                }
                n += 1
                next += interval
                continue
            }
            let nothingLeft = outstanding.isEmpty && badJSONOutstanding == 0
            if next >= end && (nothingLeft || now >= end + .seconds(RateBenchmark.drainSeconds)) { break }
            let wait = next < end ? now.duration(to: next) : .milliseconds(100)
            _ = try? poller.poll(timeout: Int((wait / .milliseconds(1)).rounded(.up)))
            while let frames = try? socket.receive(dontWait: true) {
                let arrived = ContinuousClock.now
                guard frames.count == 2, frames[0].isEmpty, let reply = try? Reply(jsonFrame: frames[1]) else {
                    result.mismatched += 1
                    continue
                }
                if reply.id == .none {
                    if reply.code == .badJSON && badJSONOutstanding > 0 {
                        badJSONOutstanding -= 1
                        result.malformedAnswered += 1
                    } else {
                        result.mismatched += 1
                    }
                    continue
                }
                guard let request = outstanding.removeValue(forKey: reply.id) else {
                    result.mismatched += 1  // no such request, or a second reply
                    continue
                }
                if let expected = request.expected {
                    if reply.code == expected { result.malformedAnswered += 1 } else { result.mismatched += 1 }
                    continue
                }
                let windowIndex = Int((start.duration(to: request.scheduled).seconds / window).rounded(.down))
                if reply.isOK {
                    result.latencies[windowIndex, default: []].append(request.scheduled.duration(to: arrived).seconds * 1000)
                } else {
                    result.errors[windowIndex, default: [:]][reply.code?.rawValue ?? "unknown", default: 0] += 1
                }
            }
        }
        result.lost = outstanding.count + badJSONOutstanding
        return result
    }

    private func validFrames(id: RequestID, n: Int) -> [Data] {
        var request = inputs[(index + n * 7) % inputs.count]
        request.header.id = id
        request.header.op = .certify
        request.header.certify = ["mode": "threshold"]
        return (try? request.frames()) ?? []
    }

    /// A malformed request of one of three kinds and the code it must be answered with.
    private func malformedFrames(id: RequestID, kind: Int) -> ([Data], ErrorCode) {
        switch kind {
        case 0:
            return ([Data(#"{"v": 1, "id": "#.utf8)], .badJSON)
        case 1:
            var frames = validFrames(id: id, n: kind)
            if var header = (try? JSONSerialization.jsonObject(with: frames[0])) as? [String: Any] {
                header["colour"] = "red"
                frames[0] = (try? JSONSerialization.data(withJSONObject: header)) ?? frames[0]
            }
            return (frames, .badField)
        default:
            var frames = validFrames(id: id, n: kind)
            if frames.count == 2 {
                frames[1] = frames[1].dropLast(4)  // one float short of its shape
                return (frames, .shapeMismatch)
            }
            // A text model: a token id past its vocabulary.
            var request = GuardRequest(id: id, op: .certify, model: target.name, tokens: [(target.vocabularySize ?? 0) + 7])
            request.header.certify = ["mode": "threshold"]
            return ((try? request.frames()) ?? [], .unknownToken)
        }
    }
}
