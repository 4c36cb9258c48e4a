/// The layout operators' parameters read from a node (constant inputs or, in older opsets, attributes):
/// Reshape, Transpose, Slice, Squeeze, Unsqueeze, Flatten, Expand and Gather with constant indices.
enum NodeLayout {
    static let ops: Set<String> = ["Reshape", "Transpose", "Slice", "Squeeze", "Unsqueeze", "Flatten", "Expand", "Gather"]

    static func operation(_ op: String, _ attributes: NodeAttributes, _ inputs: [GraphValue?], shape: [Int]) throws(NodeProblem) -> LayoutOperation {
        let rank = shape.count
        switch op {
        case "Reshape":
            let target = try constant(inputs, 1, "shape").elements
            let allowZero = try attributes.int("allowzero", default: 0, in: 0...1) == 1
            return .reshape(try reshapeTarget(target, from: shape, allowZero: allowZero))
        case "Transpose":
            return .transpose(attributes.ints("perm") ?? Array((0..<rank).reversed()))
        case "Slice":
            let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
            if let given = attributes.ints("starts") {
                (starts, ends, axes, steps) = (given, attributes.ints("ends") ?? [], attributes.ints("axes"), nil)
            } else {
                starts = try constant(inputs, 1, "starts").elements
                ends = try constant(inputs, 2, "ends").elements
                axes = try optionalConstant(inputs, 3, "axes")?.elements
                steps = try optionalConstant(inputs, 4, "steps")?.elements
            }
            return .slice(starts: starts, ends: ends, axes: axes ?? Array(0..<starts.count),
                          steps: steps ?? [Int](repeating: 1, count: starts.count))
        case "Squeeze":
            let given = try optionalConstant(inputs, 1, "axes")?.elements
            let axes = attributes.ints("axes") ?? given
            var squeezed = Set<Int>()
            for axis in axes ?? shape.indices.filter({ shape[$0] == 1 }) {
                let axis = try ShapedArray<Int>.axis(axis, rank: rank)
                guard shape[axis] == 1 else { throw NodeProblem("axis \(axis) of shape \(shape) is not 1") }
                squeezed.insert(axis)
            }
            return .reshape(shape.indices.filter { !squeezed.contains($0) }.map { shape[$0] })
        case "Unsqueeze":
            let given = try optionalConstant(inputs, 1, "axes")?.elements
            guard let axes = attributes.ints("axes") ?? given else {
                throw NodeProblem("axes are missing")
            }
            let outputRank = rank + axes.count
            let inserted = try Set(axes.map { axis throws(NodeProblem) in try ShapedArray<Int>.axis(axis, rank: outputRank) })
            guard inserted.count == axes.count else { throw NodeProblem("axes \(axes) repeat an axis") }
            var remaining = shape.makeIterator()
            return .reshape((0..<outputRank).map { inserted.contains($0) ? 1 : remaining.next() ?? 1 })
        case "Flatten":
            let axis = try attributes.int("axis", default: 1, in: -rank...rank)
            let split = axis < 0 ? axis + rank : axis
            return .reshape([shape[..<split].reduce(1, *), shape[split...].reduce(1, *)])
        case "Expand":
            let target = try constant(inputs, 1, "shape").elements
            return .broadcast(try ShapedArray<Int>.broadcastShape(shape, target))
        default: // Gather with constant indices
            return .gather(try constant(inputs, 1, "indices"), axis: try attributes.int("axis", default: 0))
        }
    }

    /// Reshape's target with ONNX's 0 (copy the input's dimension unless allowzero) and -1 (inferred).
    private static func reshapeTarget(_ target: [Int], from shape: [Int], allowZero: Bool) throws(NodeProblem) -> [Int] {
        var resolved: [Int] = []
        var inferred: Int?
        for (axis, dimension) in target.enumerated() {
            switch dimension {
            case -1:
                guard inferred == nil else { throw NodeProblem("shape \(target) infers more than one dimension") }
                inferred = axis
                resolved.append(1)
            case 0 where !allowZero:
                guard axis < shape.count else { throw NodeProblem("shape \(target) copies a dimension the input lacks") }
                resolved.append(shape[axis])
            case let size where size >= 0: resolved.append(size)
            default: throw NodeProblem("shape \(target) has a negative dimension")
            }
        }
        let count = try ShapedArray<Int>.count(of: shape), known = try ShapedArray<Int>.count(of: resolved)
        if let inferred {
            guard known > 0, count % known == 0 else { throw NodeProblem("cannot reshape \(shape) to \(target)") }
            resolved[inferred] = count / known
        }
        return resolved
    }

    static func constant(_ inputs: [GraphValue?], _ index: Int, _ role: String) throws(NodeProblem) -> ShapedArray<Int> {
        guard let value = try optionalConstant(inputs, index, role) else { throw NodeProblem("input \(role) is missing") }
        return value
    }

    static func optionalConstant(_ inputs: [GraphValue?], _ index: Int, _ role: String) throws(NodeProblem) -> ShapedArray<Int>? {
        guard index < inputs.count, let value = inputs[index] else { return nil }
        return try value.integers(role)
    }
}
