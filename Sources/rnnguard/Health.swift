import ArgumentParser
import Foundation
import GuardClient
import GuardProtocol

/// `rnnguard health --endpoint E`: asks a running sidecar for `health` and exits 0 only when it answers
/// `serving` in time: what a container orchestrator's liveness and readiness probes run.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe a running sidecar: exit 0 when it answers health with state serving, else 1.")

    @Option(name: .long, help: "The sidecar's endpoint.")
    var endpoint = "tcp://127.0.0.1:5555"
    @Option(name: .long, help: "How long to wait for the answer, in milliseconds.")
    var timeoutMs: Int32 = 2000

    func validate() throws {
        guard (1...600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must lie in 1...600000") }
    }

    func run() throws {
        let reply = try askSidecar(at: endpoint, timeoutMs: timeoutMs) { client throws(GuardClientError) in try client.health() }
        guard reply.isOK, reply.health?.state == "serving" else { throw ExitCode(1) }
    }
}
