import SequenceModels

/// One rung of a `CertifierLadder`, apart from any model: a bound method, whether the gated products get
/// fitted planes or only McCormick's, and whether the margin optimizer runs on top.
///
/// It is written as `Certifier.description` writes a certifier: the method, then "+mccormick" when the
/// planes are McCormick's only and "+optimizer" when the optimizer runs ("zonotope:128+mccormick",
/// "window:4+zonotope:512+mccormick", "full", "full+optimizer"). That is the name `rnnguard bench
/// --methods` prints in its rows, so a ladder read off the bench's Pareto front can be written down as it
/// is printed (`certify.ladder` in the policy, `certify --ladder`).
public struct CertifierRung: Sendable, Equatable, CustomStringConvertible {
    public var method: BoundMethod
    /// Fitted planes (true) or McCormick planes only (false) for the gated products.
    public var fittedPlanes: Bool
    /// Whether the margin optimizer runs when the fixed relaxations leave a margin bound non-positive.
    public var optimizer: Bool

    public init(method: BoundMethod, fittedPlanes: Bool = true, optimizer: Bool = false) {
        self.method = method
        self.fittedPlanes = fittedPlanes
        self.optimizer = optimizer
    }

    private static let mcCormickSuffix = "+mccormick", optimizerSuffix = "+optimizer"

    /// Parses the form `description` writes; nil for anything else, including an unknown suffix.
    public init?(argument: String) {
        var rest = Substring(argument)
        let optimizer = rest.hasSuffix(Self.optimizerSuffix)
        if optimizer { rest = rest.dropLast(Self.optimizerSuffix.count) }
        let mcCormick = rest.hasSuffix(Self.mcCormickSuffix)
        if mcCormick { rest = rest.dropLast(Self.mcCormickSuffix.count) }
        guard let method = BoundMethod(argument: String(rest)) else { return nil }
        self.init(method: method, fittedPlanes: !mcCormick, optimizer: optimizer)
    }

    public var description: String {
        method.description + (fittedPlanes ? "" : Self.mcCormickSuffix) + (optimizer ? Self.optimizerSuffix : "")
    }

    /// This rung's certifier for `model`, with the default optimizer's iterations when it runs.
    public func certifier(for model: SequenceClassifier) -> Certifier {
        Certifier(model: model, method: method, fittedPlanes: fittedPlanes,
                  marginIterations: optimizer ? Certifier.defaultMarginIterations : 0)
    }

    /// Zonotopes of `BoundMethod.defaultKeptSymbols` symbols with McCormick planes, full back-substitution
    /// with fitted planes, then the margin optimizer on top: each rung costlier than the one below and
    /// tighter. The zonotope rung replaced window:4 as the first one in the ninth session: its check costs
    /// less than window:4's on every workload measured but the 8-step digits RNN, up to 32 steps it proves
    /// more for its time, and on longer sequences, where neither proves much at a typical radius, it is the
    /// cheaper one to fail (docs/performance.md, "The defaults, and why"). Interval bounds alone are left
    /// out: on recurrent models they prove radii about 100 times smaller at similar cost.
    public static let standardLadder: [CertifierRung] = [
        CertifierRung(method: .zonotope(BoundMethod.defaultKeptSymbols), fittedPlanes: false),
        CertifierRung(method: .full),
        CertifierRung(method: .full, optimizer: true),
    ]
}

extension CertifierRung {
    /// The most rungs a ladder may have. Each failed rung costs a bound computation before the next one
    /// runs, so a longer ladder only adds latency; the standard one has three.
    public static let maxLadderRungs = 8

    /// Why a list of rung names is not a ladder.
    public enum LadderError: Error, Equatable, CustomStringConvertible {
        case empty
        case tooManyRungs(Int)
        case unknownRung(index: Int, name: String)
        case repeatedRung(index: Int, name: String)

        public var description: String {
            switch self {
            case .empty: return "a ladder needs at least one rung"
            case .tooManyRungs(let count): return "a ladder has at most \(CertifierRung.maxLadderRungs) rungs, not \(count)"
            case .unknownRung(let index, let name):
                return "rung \(index) \"\(name)\" is not a bound method (interval, window:K, forward, zonotope:K, "
                    + "window:K+zonotope:K or full; K up to \(BoundMethod.maxKeptSymbols) symbols) optionally followed by "
                    + "+mccormick and then +optimizer"
            case .repeatedRung(let index, let name): return "rung \(index) \"\(name)\" repeats an earlier rung"
            }
        }
    }

    /// Parses a ladder, cheapest rung first. The order is the caller's choice (the bench shows each rung's
    /// cost and radius); what is refused is what cannot be meant: no rungs, unknown ones, repeats, or more
    /// than `maxLadderRungs`.
    public static func ladder(_ names: [String]) throws(LadderError) -> [CertifierRung] {
        guard !names.isEmpty else { throw .empty }
        guard names.count <= maxLadderRungs else { throw .tooManyRungs(names.count) }
        var rungs: [CertifierRung] = []
        for (index, name) in names.enumerated() {
            guard let rung = CertifierRung(argument: name) else { throw .unknownRung(index: index, name: name) }
            guard !rungs.contains(rung) else { throw .repeatedRung(index: index, name: name) }
            rungs.append(rung)
        }
        return rungs
    }
}
