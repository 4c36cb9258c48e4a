/// What one ONNX value is once the graph is evaluated for a fixed sequence length: a constant (floats, or
/// integers for shapes, indices and booleans), or a tensor that depends on the model's input, held as the
/// ids of its elements (`ElementTable`) so that layout operators can move them and recognisers can check
/// exactly which model quantity each element is.
enum GraphValue {
    case floats(ShapedArray<Double>)
    case integers(ShapedArray<Int>)
    case symbolic(ShapedArray<Int>)

    var shape: [Int] {
        switch self {
        case .floats(let array): return array.shape
        case .integers(let array), .symbolic(let array): return array.shape
        }
    }

    /// Applies one layout operator, whatever the element type.
    func relaid(_ operation: LayoutOperation) throws(NodeProblem) -> GraphValue {
        switch self {
        case .floats(let array): return .floats(try operation.apply(to: array))
        case .integers(let array): return .integers(try operation.apply(to: array))
        case .symbolic(let array): return .symbolic(try operation.apply(to: array))
        }
    }

    /// The integer constant that a shape, axes or indices input must be.
    func integers(_ role: String) throws(NodeProblem) -> ShapedArray<Int> {
        guard case .integers(let array) = self else { throw NodeProblem("\(role) must be a constant integer tensor") }
        return array
    }

    func floats(_ role: String) throws(NodeProblem) -> ShapedArray<Double> {
        guard case .floats(let array) = self else { throw NodeProblem("\(role) must be a constant float tensor (an initializer)") }
        return array
    }
}
