import GuardProtocol

/// What the server reports about its work: every reply, the queue and the workers. Kept to plain calls
/// so that tests read what was recorded from an in-memory recorder; a running server records to
/// Prometheus, the audit log and the log (``ObservabilityRecorder``).
protocol ServerRecorder: Sendable {
    /// One reply was sent (called once per reply, after it was sent).
    func replied(_ outcome: RequestOutcome)
    /// The load after an event: requests waiting and workers running a job.
    func load(queueDepth: Int, queueCapacity: Int, busyWorkers: Int, workers: Int)
    /// A worker spent `seconds` on one job.
    func workerBusy(seconds: Double)
    /// A reload replaced the served models with `models`.
    func reloaded(models: [Reply.ModelInfo])
    /// A reload failed (`reason`); the served models stay as they were.
    func reloadFailed(_ reason: String)
}
