extension Request {
    /// Budgets beyond a day are as good as none; capping them keeps the instant arithmetic far from
    /// overflow whatever a header or a policy says.
    static let longestBudgetMilliseconds = 86_400_000.0

    /// The request's deadline: the earlier of the policy's budget and the client's `deadline_ms`, counted
    /// from arrival. The only place a deadline is computed: the server core uses it to expire queued
    /// requests, the handler to stop certification.
    func deadline(policyMilliseconds: Double?, receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let budgets = [policyMilliseconds, deadlineMilliseconds].compactMap { $0 }
        guard let budget = budgets.min() else { return nil }
        // NaN fails the comparison and counts as no time at all rather than trapping.
        let milliseconds = budget > 0 ? min(budget, Self.longestBudgetMilliseconds) : 0
        return receivedAt + .microseconds(Int64(milliseconds * 1000))
    }
}
