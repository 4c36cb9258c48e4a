extension Request {
    /// The request's deadline: the earlier of the policy's budget and the client's `deadline_ms`, counted
    /// from arrival. The only place a deadline is computed: the server core uses it to expire queued
    /// requests, the handler to stop certification.
    func deadline(policyMilliseconds: Double?, receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let budgets = [policyMilliseconds, deadlineMilliseconds].compactMap { $0 }
        guard let budget = budgets.min() else { return nil }
        // The decoder and the policy validation keep budgets within a day; a request built in code skips
        // them, so cap again (NaN fails the comparison and counts as no time) rather than trap in Int64.
        let milliseconds = budget > 0 ? min(budget, GuardConfig.Limits.maxDeadlineMilliseconds) : 0
        return receivedAt + .microseconds(Int64(milliseconds * 1000))
    }
}
