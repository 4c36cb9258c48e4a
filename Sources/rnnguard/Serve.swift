import ArgumentParser
import Dispatch
import Foundation
import GuardService
import Logging

/// `rnnguard serve`: the sidecar. Runs until SIGINT or SIGTERM, then finishes and answers in-flight
/// requests and exits 0.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve models over ZeroMQ with certified predictions (protocol: docs/protocol.md).")

    @Option(name: .long, help: "Policy file (see config/guard.yaml). Relative paths in it resolve against the working directory.")
    var config = "config/guard.yaml"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Flag(name: .long, help: "Validate the configuration and load every model, then exit.")
    var checkConfig = false

    @Option(name: .long, help: "Log format on stderr: text, or json (one JSON object per line).")
    var logFormat = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLinesLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server: GuardServer
        do {
            let settings = try GuardConfig.load(from: config)
            server = try GuardServer(config: settings, policyFile: config)
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        if checkConfig {
            print("\(config): valid; \(server.config.models.count) models load")
            return
        }

        // A peer that resets a connection must cost an EPIPE, never the process: the metrics server
        // also sends with MSG_NOSIGNAL, and this covers every other socket (libzmq's included).
        signal(SIGPIPE, SIG_IGN)
        // Handle SIGINT/SIGTERM on a dispatch queue instead of the default "terminate now".
        // SIGHUP re-reads the policy and the models (hot reload); a failure is logged and counted, and
        // the previous set keeps serving. A serial queue, so two quick SIGHUPs do not load twice at once.
        let configPath = config
        let signals = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "rnnguard.signal.\(number)"))
            source.setEventHandler {
                guard number == SIGHUP else { server.stop(); return }
                try? server.reload(from: configPath)
            }
            source.resume()
            return source
        }
        do {
            try server.start()
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        server.wait()
        signals.forEach { $0.cancel() }
    }
}
