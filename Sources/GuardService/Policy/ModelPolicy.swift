import POPQORN

/// How one served model is certified and how its certificate becomes a decision (`models[i]` in the
/// configuration).
public struct ModelPolicy: Sendable {
    /// The name clients put in `model`.
    public var name: String
    /// The model folder (`model.json`, `model.safetensors`), resolved against the working directory.
    public var path: String
    public var certify: CertifyPolicy
    public var decide: DecisionPolicy
    /// How much of the certificate a reply shows (`expose`).
    public var expose: Exposure

    public init(name: String, path: String, certify: CertifyPolicy, decide: DecisionPolicy, expose: Exposure = .full) {
        self.name = name
        self.path = path
        self.certify = certify
        self.decide = decide
        self.expose = expose
    }
}

/// How much of a certificate a client sees. A published radius (and even more the radius a certificate
/// failed at, or an adversarial example's distance) tells an attacker how far to search; `decision` shows
/// only the verdict, `radius` the certified radius without the bracket, `full` everything (the default,
/// as before this setting existed). The audit log always records the radius.
public enum Exposure: String, Sendable, CaseIterable {
    case decision
    case radius
    case full
}

/// What a certificate is computed over and how much it may cost.
public struct CertifyPolicy: Sendable {
    public var norm: Norm
    public var frames: FrameSelection
    public var mode: CertifyMode
    /// Time budget of one request from its arrival, in ms (nil: none). A radius search stops at it.
    public var deadlineMilliseconds: Double?
    /// What a request may change beyond the always-allowed cheaper choices (see ``OverrideKey``).
    public var allowOverrides: Set<OverrideKey>
    /// The certifier ladder that threshold decisions climb and deadline-bound radius searches run,
    /// cheapest rung first (`ladder`; default `CertifierRung.standardLadder`).
    public var ladder: [CertifierRung]

    public init(norm: Norm = .l2, frames: FrameSelection = .all, mode: CertifyMode = .threshold,
                deadlineMilliseconds: Double? = nil, allowOverrides: Set<OverrideKey> = [],
                ladder: [CertifierRung] = CertifierRung.standardLadder) {
        self.norm = norm
        self.frames = frames
        self.mode = mode
        self.deadlineMilliseconds = deadlineMilliseconds
        self.allowOverrides = allowOverrides
        self.ladder = ladder
    }
}

/// `threshold`: one or two bound computations at the decision thresholds (the production fast path);
/// `radius`: a search for the largest certified radius (regula falsi; for reports and audits).
public enum CertifyMode: String, Sendable, CaseIterable {
    case threshold
    case radius
}

/// Certificate settings a request may override, when the policy lists them in `allow_overrides`.
///
/// A request may always make certification cheaper (radius -> threshold, a shorter deadline); these
/// keys open the rest: `mode` (threshold -> radius), `frames` (which steps are perturbed) and `target`
/// (a targeted certificate against one class).
public enum OverrideKey: String, Sendable, CaseIterable {
    case mode
    case frames
    case target
}

/// Thresholds on the certified radius and the action when a deadline cuts certification short.
public struct DecisionPolicy: Sendable {
    /// A certified radius at or above this is accepted.
    public var acceptAtOrAbove: Double
    /// A certified radius below this is refused; between the two, accepted with the flag "fragile".
    public var refuseBelow: Double
    public var onDeadline: DeadlineAction
    /// Threshold mode: a ladder rung whose failed check at `acceptAtOrAbove` leaves a margin bound below
    /// -climbMargin times the prediction's own margin ends the climb there (`CertifierLadder.decide`);
    /// nil always climbs to the tightest rung.
    public var climbMargin: Double?

    public init(acceptAtOrAbove: Double, refuseBelow: Double, onDeadline: DeadlineAction = .flag, climbMargin: Double? = nil) {
        self.acceptAtOrAbove = acceptAtOrAbove
        self.refuseBelow = refuseBelow
        self.onDeadline = onDeadline
        self.climbMargin = climbMargin
    }
}

/// What a certificate cut short by its deadline turns into, unless its partial radius already
/// reaches `accept_at_or_above`.
public enum DeadlineAction: String, Sendable, CaseIterable {
    case flag
    case refuse
}
