import GuardProtocol

/// What the server core asks its driver to do after an event.
enum ServerAction: Sendable {
    /// Send `outcome.reply` to `peer` and record it (metrics, audit log, log).
    case reply(Peer, RequestOutcome)
    /// Hand the job to an idle worker.
    case run(Job)
    /// Reload the policy and models (as SIGHUP does) for `peer`'s request with this id, then tell the core.
    case reload(Peer, RequestID)
    /// Every accepted request has been answered after a shutdown: close.
    case stop
}
