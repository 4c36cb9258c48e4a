/// A layout operator with its constant parameters resolved: applied alike to constants and element ids.
enum LayoutOperation {
    case reshape([Int])
    case transpose([Int])
    case slice(starts: [Int], ends: [Int], axes: [Int], steps: [Int])
    case gather(ShapedArray<Int>, axis: Int)
    case broadcast([Int])

    func apply<Element>(to array: ShapedArray<Element>) throws(NodeProblem) -> ShapedArray<Element> {
        switch self {
        case .reshape(let shape): return try array.reshaped(shape)
        case .transpose(let permutation): return try array.transposed(permutation)
        case let .slice(starts, ends, axes, steps): return try array.sliced(starts: starts, ends: ends, axes: axes, steps: steps)
        case let .gather(indices, axis): return try array.gathered(indices, axis: axis)
        case .broadcast(let shape): return try array.broadcast(to: shape)
        }
    }
}
