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

    @Option(name: .long, help: ArgumentHelp(
        "Take requests from the backend of `rnnguard proxy` at this endpoint, e.g. tcp://proxy:5556 (repeatable).",
        discussion: "Replaces the policy file's `connect` list; its `listen` endpoints are still bound."))
    var connect: [String] = []

    @Flag(name: .long, help: "Validate the configuration and load every model, then exit.")
    var checkConfig = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        for endpoint in connect {
            do {
                try GuardConfig.checkEndpoint(endpoint, named: "--connect", connecting: true)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    func run() throws {
        log.bootstrap()
        let server: GuardServer
        do {
            var settings = try GuardConfig.load(from: config)
            if !connect.isEmpty {
                try GuardConfig.checkProxyHop(connect: connect, curve: settings.curve)
                settings.connect = connect
            }
            server = try GuardServer(config: settings)
        } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        if checkConfig {
            print("\(config): valid; \(server.config.models.count) models load")
            return
        }

        // SIGINT/SIGTERM drain and stop. SIGHUP re-reads the policy and the models (hot reload); a
        // failure is logged and counted, and the previous set keeps serving.
        let configPath = config
        let signals = handleSignals([SIGINT, SIGTERM, SIGHUP]) { number in
            guard number == SIGHUP else { server.stop(); return }
            try? server.reload(from: configPath)
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
