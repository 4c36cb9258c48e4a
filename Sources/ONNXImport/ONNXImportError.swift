/// Everything that can stop an ONNX file from becoming a model folder. Each case prints as one line that
/// names what to fix: the node and its op type, the tensor, or the file.
public enum ONNXImportError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    /// The bytes are not an ONNX model (truncated, or another file altogether).
    case notONNX(String)
    /// The graph as a whole (its inputs, outputs or the model they describe) is not an importable classifier.
    case unsupportedGraph(String)
    case unsupportedNode(name: String, op: String, detail: String)
    case invalidTensor(name: String, detail: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason): return "cannot read \(path): \(reason)"
        case let .notONNX(detail): return "not a readable ONNX model: \(detail)"
        case let .unsupportedGraph(detail): return "unsupported ONNX graph: \(detail)"
        case let .unsupportedNode(name, op, detail): return "ONNX node '\(name)' (\(op)): \(detail)"
        case let .invalidTensor(name, detail): return "ONNX tensor '\(name)': \(detail)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
