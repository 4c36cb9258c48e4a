import ArgumentParser
import Dispatch
import Foundation
import GuardService
import Logging

/// The logging options of the long-running commands (`serve`, `proxy`).
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(name: .long, help: "Log format on stderr: text, or json (one JSON object per line).")
    var logFormat = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    /// Sends every logger of the process to stderr in the chosen format and level.
    func bootstrap() {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLinesLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Handles `signals` on dispatch queues instead of their default "terminate now", one serial queue per
/// signal (so two quick ones of the same kind are handled one after the other). Keep the returned
/// sources until the service has stopped, then cancel them.
func handleSignals(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
    // A peer that resets a connection must cost an EPIPE, never the process: the metrics server also
    // sends with MSG_NOSIGNAL, and this covers every other socket (libzmq's included).
    signal(SIGPIPE, SIG_IGN)
    return signals.map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "rnnguard.signal.\(number)"))
        source.setEventHandler { handler(number) }
        source.resume()
        return source
    }
}
