/// How a bound computation gets the intermediate bounds that its relaxations are built on. The margin
/// bound itself is always one backward pass through the whole unrolled network; the methods differ in
/// what every nonlinearity's input box costs, and so in how tight the relaxations are.
///
/// - `interval`: interval arithmetic through the graph (IBP, Gowal et al. 2018), as CROWN-IBP (Zhang et
///   al., ICLR 2020) uses it for intermediate layers: cost linear in T, loosest.
/// - `window(K)`: back-substitution through the last K time steps only; a node older than that enters
///   with its own (already sound) interval, concretized by the coefficient's sign. Cost linear in T for a
///   fixed K. K = T is the full method; K = 0 is close to `interval`.
/// - `forward`: forward-mode linear bounds (`SymbolicBounds`; DeepPoly's symbolic intervals, forward
///   LiRPA of Xu et al., NeurIPS 2020): every node's bounds are linear functions of the perturbation,
///   carried one operation at a time, so no intermediate bound walks back in time. Each step costs a
///   product with the perturbation's width (T x input size when every frame is perturbed, one frame's
///   size when one is); tighter than windows on long sequences, looser than full.
/// - `zonotope(keep)`: zonotopes (`Zonotope`; DeepZ, Singh et al., NeurIPS 2018; Cert-RNN, Du et al.,
///   CCS 2021): one affine form per node in the perturbation and in shared noise symbols, one new symbol
///   per relaxed neuron. Linear maps are exact, so unlike forward mode nothing wraps at every step; each
///   state keeps its `keep` largest symbols and folds the rest into one new symbol per neuron. Cost
///   linear in T times the perturbation's width plus `keep`.
/// - `windowAndZonotope(window, keep)`: both at once, each node's interval the intersection of both, and
///   each window's pass ending on the zonotopes of the states it cuts off instead of their intervals
///   (`ZonotopeRows`), so the older steps keep how they vary with delta and with each other. Cost
///   the window's plus the zonotope's, plus a product as wide as the perturbation per cut-off state;
///   between the window and full in both cost and radius on long sequences.
/// - `full`: back-substitution to the input for every intermediate bound (POPQORN, CROWN): cost
///   quadratic in T, tightest.
///
/// Each is sound alone: a node's interval only ever comes from a sound bound (interval arithmetic, or a
/// backward pass whose cut-off terms are bounded by sound intervals), intersected with another sound one.
public enum BoundMethod: Sendable, Equatable, CustomStringConvertible {
    case interval
    case window(Int)
    case forward
    case zonotope(Int)
    case windowAndZonotope(window: Int, keep: Int)
    case full

    /// Whether intermediate bounds come from backward passes (windowed or full).
    var backSubstitutesIntermediateBounds: Bool {
        switch self {
        case .interval, .forward, .zonotope: return false
        case .window, .windowAndZonotope, .full: return true
        }
    }

    /// Whether each node carries a function of delta forward (forward mode, zonotopes).
    var carriesNodesForward: Bool {
        switch self {
        case .forward, .zonotope, .windowAndZonotope: return true
        case .interval, .window, .full: return false
        }
    }

    /// The symbols a zonotope keeps per state, when the method carries zonotopes.
    var keptSymbols: Int? {
        switch self {
        case .zonotope(let keep), .windowAndZonotope(_, let keep): return keep
        case .interval, .window, .forward, .full: return nil
        }
    }

    /// The steps a backward pass for intermediate bounds reaches back, when the method cuts it off.
    var window: Int? {
        switch self {
        case .window(let k), .windowAndZonotope(let k, _): return k
        case .interval, .zonotope, .forward, .full: return nil
        }
    }

    /// Parses "interval", "window:K" (or "window", K = 4), "forward", "zonotope:K" (or "zonotope", K =
    /// `defaultKeptSymbols`), a window and a zonotope joined by "+" ("window:4+zonotope:32"), and "full".
    public init?(argument: String) {
        let halves = argument.split(separator: "+", omittingEmptySubsequences: false)
        if halves.count == 2, case .window(let k)? = BoundMethod(argument: String(halves[0])),
           case .zonotope(let keep)? = BoundMethod(argument: String(halves[1])) {
            self = .windowAndZonotope(window: k, keep: keep)
            return
        }
        switch argument {
        case "interval": self = .interval
        case "full": self = .full
        case "forward": self = .forward
        case "window": self = .window(Self.defaultWindow)
        case "zonotope": self = .zonotope(Self.defaultKeptSymbols)
        default:
            let parts = argument.split(separator: ":")
            guard parts.count == 2, let k = Int(parts[1]), k >= 0 else { return nil }
            switch parts[0] {
            case "window" where k <= 100_000: self = .window(k)
            case "zonotope" where k <= Self.maxKeptSymbols: self = .zonotope(k)
            default: return nil
            }
        }
    }

    /// The window the benchmark found best between cost and radius (docs/performance.md).
    public static let defaultWindow = 4

    /// Symbols a zonotope keeps per node (docs/performance.md).
    public static let defaultKeptSymbols = 128

    /// The most symbols a parsed method may keep per node. Each kept symbol is a column of every state's
    /// generator matrix, so a policy or command line asking for many more would hold gigabytes per node
    /// on long inputs; the bench's useful range ends at 512.
    public static let maxKeptSymbols = 4096

    public var description: String {
        switch self {
        case .interval: return "interval"
        case .window(let k): return "window:\(k)"
        case .forward: return "forward"
        case .zonotope(let k): return "zonotope:\(k)"
        case .windowAndZonotope(let k, let keep): return "window:\(k)+zonotope:\(keep)"
        case .full: return "full"
        }
    }
}
