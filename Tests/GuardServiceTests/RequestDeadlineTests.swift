@testable import GuardService
import Testing

/// The one deadline computation: the earlier budget, from arrival, never a trap.
@Suite struct RequestDeadlineTests {
    private let arrival = ContinuousClock.now

    private func deadline(client: Double?, policy: Double?) -> ContinuousClock.Instant? {
        Request(id: .none, op: .predict, deadlineMilliseconds: client).deadline(policyMilliseconds: policy, receivedAt: arrival)
    }

    @Test func theEarlierBudgetCountsFromArrival() {
        #expect(deadline(client: nil, policy: nil) == nil)
        #expect(deadline(client: 5, policy: nil) == arrival + .milliseconds(5))
        #expect(deadline(client: nil, policy: 40) == arrival + .milliseconds(40))
        #expect(deadline(client: 100, policy: 40) == arrival + .milliseconds(40))
        #expect(deadline(client: 0.5, policy: 40) == arrival + .microseconds(500))
    }

    @Test func absurdBudgetsAreCappedOrEmptyNotTraps() {
        #expect(deadline(client: 1e16, policy: nil) == arrival + .seconds(86_400))
        #expect(deadline(client: .infinity, policy: nil) == arrival + .seconds(86_400))
        #expect(deadline(client: nil, policy: .nan) == arrival)
        #expect(deadline(client: -3, policy: nil) == arrival)
    }
}
