import ArgumentParser
import GuardClient
import GuardProtocol

/// One request to a running sidecar, for the commands that probe or steer one (`health`, `reload`): the
/// reply, printed as one JSON line; no reply in time is a one-line error and exit 1.
func askSidecar(at endpoint: String, timeoutMs: Int32,
                _ ask: (GuardClient) throws(GuardClientError) -> Reply) throws -> Reply {
    let reply: Reply
    do {
        reply = try ask(GuardClient(endpoint: endpoint, timeoutMilliseconds: timeoutMs))
    } catch {
        JSONOutput.error("\(endpoint): \(error)")
        throw ExitCode(1)
    }
    try JSONOutput.line(reply)
    return reply
}
