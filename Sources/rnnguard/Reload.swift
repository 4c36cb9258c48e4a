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

    @OptionGroup var sidecar: SidecarOptions<Reload>

    func run() throws {
        let reply = try sidecar.ask { client throws(GuardClientError) in try client.reload() }
        guard reply.isOK else { throw ExitCode(1) }
    }
}

extension Reload: SidecarCommand {
    static let endpointHelp = "The sidecar's own endpoint (not a proxy's)."
    static let timeoutHelp = "How long to wait for the reload to finish, in milliseconds."
    // The reply comes only once every model has been loaded again.
    static let defaultTimeoutMs: Int32 = 60_000
}
