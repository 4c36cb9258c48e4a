import ArgumentParser
import Foundation
import GuardService

/// `rnnguard proxy`: one endpoint for many sidecars (`serve --connect`), on libzmq's
/// `zmq_proxy_steerable`. Runs until SIGINT or SIGTERM, then exits 0 (1 when the proxy itself failed).
struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Spread clients' requests over sidecars that connect to it (docs/deployment.md).")

    @Option(name: .long, help: "Endpoint clients connect to (a ROUTER socket binds it).")
    var frontend = "tcp://*:5555"

    @Option(name: .long, help: "Endpoint sidecars connect to with `serve --connect` (a DEALER socket binds it).")
    var backend = "tcp://*:5556"

    @Option(name: .long, help: "Serve Prometheus /metrics on HOST:PORT (port 0: any free port).")
    var metrics: String?

    @Option(name: .long, help: "How often to read libzmq's counters into the metrics, in milliseconds.")
    var statisticsIntervalMs = 5000

    @Option(name: .long, help: "The sidecars' limits.max_message_bytes: a larger frame than they would read drops its client here.")
    var maxMessageBytes = GuardConfig.Limits().maxMessageBytes

    @OptionGroup var log: LogOptions

    func validate() throws {
        do {
            try GuardConfig.checkEndpoint(frontend, named: "--frontend", connecting: false)
            try GuardConfig.checkEndpoint(backend, named: "--backend", connecting: false)
        } catch {
            throw ValidationError(error.message)
        }
        if let metrics, MetricsAddress(metrics) == nil {
            throw ValidationError("--metrics must be host:port (e.g. 0.0.0.0:9465), not \"\(metrics)\"")
        }
        guard (100...3_600_000).contains(statisticsIntervalMs) else {
            throw ValidationError("--statistics-interval-ms must lie in 100...3600000")
        }
        guard (1...GuardConfig.Limits.maxMessageBytesCap).contains(maxMessageBytes) else {
            throw ValidationError("--max-message-bytes must lie in 1...\(GuardConfig.Limits.maxMessageBytesCap)")
        }
    }

    func run() throws {
        log.bootstrap()
        let proxy = GuardProxy(settings: GuardProxy.Settings(
            frontend: frontend, backend: backend, metrics: metrics.flatMap(MetricsAddress.init),
            maxMessageBytes: maxMessageBytes, statisticsInterval: .milliseconds(statisticsIntervalMs)))
        let signals = handleSignals([SIGINT, SIGTERM]) { _ in proxy.stop() }
        do {
            try proxy.start()
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        proxy.wait()
        signals.forEach { $0.cancel() }
        if proxy.failure != nil { throw ExitCode(1) }
    }
}
