import ArgumentParser
import Foundation
import GuardClient
import GuardProtocol

/// `rnnguard reload --endpoint E`: asks a running sidecar to re-read its policy and model files (the
/// `reload` admin op, as SIGHUP does) and prints the reply; exit 0 when the new set is serving, 1 when
/// the reload failed (the old set keeps serving), was forbidden, or got no answer. Without CurveZMQ the
/// sidecar takes it from its own host only (docs/protocol.md).
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a running sidecar re-read its policy and models; exit 0 when the new set serves.")

    @Option(name: .long, help: "The sidecar's own endpoint (not a proxy's).")
    var endpoint = "tcp://127.0.0.1:5555"
    @Option(name: .long, help: "How long to wait for the reload to finish, in milliseconds.")
    var timeoutMs: Int32 = 60_000

    func validate() throws {
        guard (1...600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must lie in 1...600000") }
    }

    func run() throws {
        let reply = try askSidecar(at: endpoint, timeoutMs: timeoutMs) { client throws(GuardClientError) in try client.reload() }
        guard reply.isOK else { throw ExitCode(1) }
    }
}
