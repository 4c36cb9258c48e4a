import ArgumentParser
import Foundation
import GuardClient
import GuardProtocol

/// `rnnguard health --endpoint E`: asks a running sidecar for `health` and exits 0 only when it answers
/// `serving` in time: what a container orchestrator's liveness and readiness probes run.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe a running sidecar: exit 0 when it answers health with state serving, else 1.")

    @OptionGroup var sidecar: SidecarOptions<Health>

    func run() throws {
        let reply = try sidecar.ask { client throws(GuardClientError) in try client.health() }
        guard reply.isOK, reply.health?.state == "serving" else { throw ExitCode(1) }
    }
}

extension Health: SidecarCommand {
    static let endpointHelp = "The sidecar's endpoint."
    static let timeoutHelp = "How long to wait for the answer, in milliseconds."
    // A probe: a sidecar that is up answers health from its I/O thread at once.
    static let defaultTimeoutMs: Int32 = 2000
}
