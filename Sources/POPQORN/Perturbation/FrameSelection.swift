/// Which time steps a perturbation may change. Steps are 0-based.
public enum FrameSelection: Sendable, Equatable, CustomStringConvertible {
    case all
    case step(Int)
    /// Steps `first...last`, both included.
    case window(Int, Int)

    /// Parses "all", "T" or "A:B".
    public init?(argument: String) {
        if argument == "all" { self = .all; return }
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let t = Int(parts[0]), t >= 0 { self = .step(t); return }
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), 0 <= a, a <= b { self = .window(a, b); return }
        return nil
    }

    public func contains(_ t: Int) -> Bool {
        switch self {
        case .all: return true
        case .step(let s): return t == s
        case .window(let a, let b): return a <= t && t <= b
        }
    }

    /// The last step the selection names, for checking it against a sequence length.
    public var lastStep: Int? {
        switch self {
        case .all: return nil
        case .step(let s): return s
        case .window(_, let b): return b
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .step(let s): return "\(s)"
        case .window(let a, let b): return "\(a):\(b)"
        }
    }
}
