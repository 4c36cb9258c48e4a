import GuardService
import Testing

@Suite struct DecisionTests {
    let policy = DecisionPolicy(acceptAtOrAbove: 0.1, refuseBelow: 0.03, onDeadline: .flag)

    @Test func thresholdsSplitAcceptFlagRefuse() {
        #expect(Decision.make(radius: 0.1, complete: true, policy: policy).action == .accept)
        #expect(Decision.make(radius: 0.5, complete: true, policy: policy).action == .accept)
        let fragile = Decision.make(radius: 0.05, complete: true, policy: policy)
        #expect(fragile.action == .flag && fragile.flags == [.fragile])
        #expect(Decision.make(radius: 0.03, complete: true, policy: policy).action == .flag)
        #expect(Decision.make(radius: 0.029, complete: true, policy: policy).action == .refuse)
    }

    @Test func deadlineFollowsThePolicyUnlessAlreadyAccepted() {
        let flagged = Decision.make(radius: 0.0, complete: false, policy: policy)
        #expect(flagged.action == .flag && flagged.flags == [.deadline])
        var strict = policy
        strict.onDeadline = .refuse
        #expect(Decision.make(radius: 0.05, complete: false, policy: strict).action == .refuse)
        // A partial radius is still proven: enough for accept.
        #expect(Decision.make(radius: 0.2, complete: false, policy: strict).action == .accept)
    }
}
