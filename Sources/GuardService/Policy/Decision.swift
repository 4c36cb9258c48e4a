/// The policy's verdict on one certified prediction.
public struct Decision: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Certified at or above `accept_at_or_above`.
        case accept
        /// Served, but marked: fragile (radius between the thresholds) or cut short by the deadline.
        case flag
        /// Not to be used: certified radius below `refuse_below`, or a deadline with `on_deadline: refuse`.
        case refuse
    }

    /// Why a prediction was flagged.
    public enum Flag: String, Sendable {
        /// The certified radius lies between `refuse_below` and `accept_at_or_above`.
        case fragile
        /// Certification stopped at the deadline with a partial radius below `accept_at_or_above`.
        case deadline
    }

    public let action: Action
    public let flags: [Flag]
    /// One sentence a person reading the reply or the audit log understands.
    public let reason: String

    public init(action: Action, flags: [Flag] = [], reason: String) {
        self.action = action
        self.flags = flags
        self.reason = reason
    }

    /// Applies `policy` to a certified radius.
    ///
    /// - Parameters:
    ///   - radius: the largest radius the certificate proves (threshold mode: the largest threshold that
    ///     passed, or 0).
    ///   - complete: false when the deadline cut certification short; a partial radius that already
    ///     reaches `accept_at_or_above` is still accepted, because it is proven.
    public static func make(radius: Double, complete: Bool, policy: DecisionPolicy) -> Decision {
        let accept = policy.acceptAtOrAbove, refuse = policy.refuseBelow
        if radius >= accept {
            return Decision(action: .accept, reason: "certified radius \(radius) >= accept_at_or_above \(accept)")
        }
        if !complete {
            let why = "deadline passed with a partial certified radius \(radius) < accept_at_or_above \(accept)"
            switch policy.onDeadline {
            case .flag: return Decision(action: .flag, flags: [.deadline], reason: why + "; on_deadline: flag")
            case .refuse: return Decision(action: .refuse, reason: why + "; on_deadline: refuse")
            }
        }
        if radius < refuse {
            return Decision(action: .refuse, reason: "certified radius \(radius) < refuse_below \(refuse)")
        }
        return Decision(action: .flag, flags: [.fragile],
                        reason: "certified radius \(radius) is in [refuse_below \(refuse), accept_at_or_above \(accept))")
    }
}
