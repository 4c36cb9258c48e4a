import Foundation
import GuardClient
import GuardProtocol
import SequenceModels
import ZeroMQ

/// Drives a running sidecar at `endpoint` from `clients` DEALER sockets (one thread each, one request
/// in flight per client) and returns a report: throughput and p50/p99 latency for `predict` alone and
/// for `certify` in threshold mode, so the guard's added cost is visible.
///
/// Inputs are deterministic pseudo-random: `steps` frames of uniform [0, 1) features for feature
/// models, random token ids for text models. Each client sends `requests` requests per phase.
///
/// - Parameters:
///   - model: the served model to drive (default: the first one `models` lists).
///   - curve: credentials when the server requires CurveZMQ.
func runLoadBenchmark(endpoint: String, clients: Int, requests: Int, model: String? = nil, steps: Int = 8,
                      curve: GuardClient.Curve? = nil) throws -> String {
    guard clients > 0 && requests > 0 && steps > 0 else { throw BenchmarkError("--clients and --requests must be > 0") }
    let context = try Context()
    let probe = try GuardClient(endpoint: endpoint, curve: curve, timeoutMilliseconds: 5000, context: context)
    let (target, inputs) = try benchmarkInputs(probe: probe, endpoint: endpoint, model: model, steps: steps)
    // Warm up the connection, the server's workers and their caches.
    for request in inputs.prefix(4) { _ = try probe.call(request) }

    let predict = try runPhase(endpoint: endpoint, context: context, curve: curve, clients: clients, requests: requests,
                               inputs: inputs, op: .predict)
    let certify = try runPhase(endpoint: endpoint, context: context, curve: curve, clients: clients, requests: requests,
                               inputs: inputs, op: .certify)

    var lines = ["rnnguard bench --server \(endpoint): model \(target.name) (\(target.architecture), \(target.input)), "
                 + "\(clients) clients x \(requests) requests per phase, \(steps) steps per input", ""]
    var table = [["phase", "requests", "ok", "errors", "req/s", "p50 ms", "p99 ms", "mean ms"]]
    for (name, phase) in [("predict", predict), ("certify (threshold)", certify)] {
        table.append([name, "\(phase.latencies.count + phase.errors.values.reduce(0, +))", "\(phase.latencies.count)",
                      phase.errors.isEmpty ? "0" : phase.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                      String(format: "%.0f", phase.throughput), String(format: "%.3f", phase.percentile(0.5)),
                      String(format: "%.3f", phase.percentile(0.99)), String(format: "%.3f", phase.mean)])
    }
    lines.append(Demo.table(table))
    let overhead = certify.percentile(0.5) - predict.percentile(0.5)
    lines.append("")
    lines.append(String(format: "guard cost: certify p50 is %.3f ms above predict p50 (x%.1f); decisions: %@",
                        overhead, certify.percentile(0.5) / max(predict.percentile(0.5), 1e-9),
                        certify.decisions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
    return lines.joined(separator: "\n")
}

/// A benchmark that cannot run, with the reason.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The served model to drive (`model`, or the first one `endpoint` lists) and 64 deterministic
/// pseudo-random `predict` requests for it: `steps` frames of uniform [0, 1) features for a feature
/// model, random token ids for a text model.
func benchmarkInputs(probe: GuardClient, endpoint: String, model: String?, steps: Int) throws -> (Reply.ModelInfo, [GuardRequest]) {
    let listing = try probe.models()
    guard let served = listing.models, !served.isEmpty else {
        throw BenchmarkError("\(endpoint) listed no models (\(listing.code?.rawValue ?? "no reply body"): \(listing.message ?? ""))")
    }
    guard let target = model.map({ name in served.first { $0.name == name } }) ?? served.first else {
        throw BenchmarkError("\(endpoint) serves no model \"\(model ?? "")\" (it serves \(served.map(\.name).joined(separator: ", ")))")
    }
    var generator = SplitMix64(seed: 42)
    let inputs: [GuardRequest] = (0..<64).map { _ in
        var request = GuardRequest(id: .none, op: .predict, model: target.name)
        if target.input == "features" {
            request.sequence = (0..<steps).map { _ in (0..<target.inputSize).map { _ in Float(generator.unit()) } }
        } else {
            request.header.tokens = (0..<steps).map { _ in Int(generator.next() % UInt64(max(1, target.vocabularySize ?? 1))) }
        }
        return request
    }
    return (target, inputs)
}

/// The `p` quantile (0...1) of `values` by the nearest-rank method; 0 for none.
func nearestRankPercentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
}

/// One phase's measurements.
private struct PhaseResult {
    var latencies: [Double] = []  // ms, successful replies only
    var errors: [String: Int] = [:]
    var decisions: [String: Int] = [:]
    var seconds = 0.0

    var throughput: Double { seconds > 0 ? Double(latencies.count) / seconds : 0 }
    var mean: Double { latencies.isEmpty ? 0 : latencies.reduce(0, +) / Double(latencies.count) }

    func percentile(_ p: Double) -> Double { nearestRankPercentile(latencies, p) }

    mutating func merge(_ other: PhaseResult) {
        latencies += other.latencies
        errors.merge(other.errors, uniquingKeysWith: +)
        decisions.merge(other.decisions, uniquingKeysWith: +)
    }
}

/// Runs `requests` calls of `op` on each of `clients` threads, each with its own socket, closed-loop.
private func runPhase(endpoint: String, context: Context, curve: GuardClient.Curve?, clients: Int, requests: Int,
                      inputs: [GuardRequest], op: RequestOperation) throws -> PhaseResult {
    let sockets = try (0..<clients).map { _ in
        try GuardClient(endpoint: endpoint, curve: curve, timeoutMilliseconds: 30_000, context: context)
    }
    let results = ResultBox(count: clients, initial: PhaseResult())
    let done = DispatchSemaphore(value: 0)
    let started = ContinuousClock.now
    for (index, client) in sockets.enumerated() {
        let thread = Thread {
            var result = PhaseResult()
            for n in 0..<requests {
                var request = inputs[(index + n * clients) % inputs.count]
                request.header.id = .string("\(op.rawValue)-\(index)-\(n)")
                request.header.op = op
                if op == .certify { request.header.certify = ["mode": "threshold"] }
                let sent = ContinuousClock.now
                do {
                    let reply = try client.call(request)
                    if reply.isOK {
                        result.latencies.append(sent.duration(to: .now).seconds * 1000)
                        if let action = reply.decision?.action { result.decisions[action, default: 0] += 1 }
                    } else {
                        result.errors[reply.code?.rawValue ?? "unknown", default: 0] += 1
                    }
                } catch {
                    result.errors["\(error)", default: 0] += 1
                }
            }
            results.set(index, result)
            done.signal()
        }
        thread.start()
    }
    for _ in 0..<clients { done.wait() }
    var total = PhaseResult()
    for result in results.all { total.merge(result) }
    total.seconds = started.duration(to: .now).seconds
    return total
}

/// Per-thread results, written once each and read after every thread has signalled.
final class ResultBox<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result]
    init(count: Int, initial: Result) { results = Array(repeating: initial, count: count) }
    func set(_ index: Int, _ result: Result) { lock.withLock { results[index] = result } }
    var all: [Result] { lock.withLock { results } }
}

/// A small deterministic generator, so runs are comparable.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
