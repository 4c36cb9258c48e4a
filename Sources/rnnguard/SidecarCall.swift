import ArgumentParser
import GuardClient
import GuardProtocol

/// The options of the commands that send one request to a running sidecar (`health`, `reload`). What
/// they wait for differs (a probe's prompt answer, a reload of every model), so `Command` words the help
/// and sets the default timeout.
struct SidecarOptions<Command: SidecarCommand>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(Command.endpointHelp))
    var endpoint = "tcp://127.0.0.1:5555"
    @Option(name: .long, help: ArgumentHelp(Command.timeoutHelp))
    var timeoutMs: Int32 = Command.defaultTimeoutMs

    func validate() throws {
        guard (1...600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must lie in 1...600000") }
    }

    /// One request to the sidecar: the reply, printed as one JSON line; no reply in time is a one-line
    /// error and exit 1.
    func ask(_ request: (GuardClient) throws(GuardClientError) -> Reply) throws -> Reply {
        let reply: Reply
        do {
            reply = try request(GuardClient(endpoint: endpoint, timeoutMilliseconds: timeoutMs))
        } catch {
            JSONOutput.error("\(endpoint): \(error)")
            throw ExitCode(1)
        }
        try JSONOutput.line(reply)
        return reply
    }
}

/// A command's wording and default timeout for its ``SidecarOptions``.
protocol SidecarCommand {
    static var endpointHelp: String { get }
    static var timeoutHelp: String { get }
    static var defaultTimeoutMs: Int32 { get }
}
