/// Requests the certifier cannot answer, each a one-line message.
public enum CertifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case framesOutOfRange(selection: String, length: Int)
    case badLabel(Int, classes: Int)
    case badTarget(Int, classes: Int)
    case badEpsilon(Double)
    /// The model uses an operation the certifier has no relaxation for.
    case unsupportedOperation(String)

    public var description: String {
        switch self {
        case let .framesOutOfRange(selection, length):
            return "frames \(selection) lie outside the sequence of \(length) steps (steps are 0-based)"
        case let .badLabel(label, classes): return "label \(label) is not a class of this model (0..<\(classes))"
        case let .badTarget(target, classes): return "target \(target) is not another class of this model (0..<\(classes))"
        case let .badEpsilon(eps): return "epsilon must be finite and >= 0, found \(eps)"
        case let .unsupportedOperation(name): return "the certifier has no relaxation for \(name)"
        }
    }
}
