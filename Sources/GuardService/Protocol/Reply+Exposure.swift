import GuardProtocol

extension Reply {
    /// Removes what the model's `expose` setting keeps from clients. Metrics and the audit log read the
    /// outcome's own radius, not the reply, so they still see everything.
    mutating func expose(_ exposure: Exposure) {
        switch exposure {
        case .full:
            return
        case .radius:
            certificate?.failedAt = nil
            certificate?.counterexampleDistance = nil
        case .decision:
            certificate = nil
            // The reason quotes the radius and the thresholds; the action and flags say enough.
            if let decision {
                self.decision = DecisionBody(action: decision.action, flags: decision.flags,
                                             reason: "decided by the certification policy (expose: decision)")
            }
        }
    }
}
