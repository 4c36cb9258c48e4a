/// The layout operators of ONNX (Transpose, Slice, Gather, Concat, Expand), element type agnostic: the
/// same code moves numbers in the shape plumbing and element ids in the model's data path.
extension ShapedArray {
    func transposed(_ permutation: [Int]) throws(NodeProblem) -> ShapedArray {
        guard permutation.sorted() == Array(0..<rank) else {
            throw NodeProblem("perm \(permutation) is not a permutation of the \(rank) axes")
        }
        let strides = Self.strides(of: shape)
        return try mapped(to: permutation.map { shape[$0] }) { index in
            zip(permutation, index).reduce(0) { $0 + strides[$1.0] * $1.1 }
        }
    }

    /// ONNX Slice on each listed axis (starts, ends clamped as the operator specifies; steps nonzero).
    func sliced(starts: [Int], ends: [Int], axes: [Int], steps: [Int]) throws(NodeProblem) -> ShapedArray {
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw NodeProblem("starts, ends, axes and steps differ in length")
        }
        var first = [Int](repeating: 0, count: rank), step = [Int](repeating: 1, count: rank), newShape = shape
        var seen = Set<Int>()
        for k in starts.indices {
            let axis = try Self.axis(axes[k], rank: rank)
            guard seen.insert(axis).inserted else { throw NodeProblem("axis \(axis) is sliced twice") }
            guard steps[k] != 0 else { throw NodeProblem("slice step is 0") }
            let dimension = shape[axis]
            // Negative positions count from the end; the sums cannot overflow since dimension >= 0.
            var start = starts[k] < 0 ? starts[k] + dimension : starts[k]
            var end = ends[k] < 0 ? ends[k] + dimension : ends[k]
            if steps[k] > 0 {
                start = min(max(start, 0), dimension)
                end = min(max(end, 0), dimension)
                newShape[axis] = end > start ? (end - start - 1) / steps[k] + 1 : 0
            } else {
                start = min(max(start, 0), dimension - 1)
                end = min(max(end, -1), dimension - 1)
                newShape[axis] = start > end ? (start - end - 1) / -steps[k] + 1 : 0
            }
            first[axis] = start
            step[axis] = steps[k]
        }
        let strides = Self.strides(of: shape)
        return try mapped(to: newShape) { index in
            index.indices.reduce(0) { $0 + strides[$1] * (first[$1] + index[$1] * step[$1]) }
        }
    }

    /// ONNX Gather: `indices` (negative counts from the end) pick positions along `axis`.
    func gathered(_ indices: ShapedArray<Int>, axis given: Int) throws(NodeProblem) -> ShapedArray {
        let axis = try Self.axis(given, rank: rank)
        let dimension = shape[axis]
        var positions: [Int] = []
        for index in indices.elements {
            guard (-dimension..<dimension).contains(index) else {
                throw NodeProblem("gather index \(index) is outside an axis of \(dimension)")
            }
            positions.append(index < 0 ? index + dimension : index)
        }
        let strides = Self.strides(of: shape), indexStrides = ShapedArray<Int>.strides(of: indices.shape)
        let newShape = Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...])
        return try mapped(to: newShape) { index in
            var offset = 0
            for a in 0..<axis { offset += strides[a] * index[a] }
            var flat = 0
            for k in indices.shape.indices { flat += indexStrides[k] * index[axis + k] }
            offset += strides[axis] * positions[flat]
            for a in (axis + 1)..<max(axis + 1, rank) { offset += strides[a] * index[a - 1 + indices.rank] }
            return offset
        }
    }

    /// ONNX Concat along `axis`; every part has the same rank and the same dimensions off that axis.
    static func concatenated(_ parts: [ShapedArray], axis given: Int) throws(NodeProblem) -> ShapedArray {
        guard let firstPart = parts.first else { throw NodeProblem("nothing to concatenate") }
        let axis = try axis(given, rank: firstPart.rank)
        var newShape = firstPart.shape
        newShape[axis] = 0
        for part in parts {
            guard part.rank == firstPart.rank,
                  part.shape.indices.allSatisfy({ $0 == axis || part.shape[$0] == firstPart.shape[$0] }) else {
                throw NodeProblem("cannot concatenate shapes \(part.shape) and \(firstPart.shape) along axis \(axis)")
            }
            newShape[axis] += part.shape[axis]
        }
        _ = try count(of: newShape)
        // Row-major: the parts interleave in blocks of (their axis length x inner size), outer index by outer index.
        let outer = firstPart.shape[..<axis].reduce(1, *), inner = firstPart.shape[(axis + 1)...].reduce(1, *)
        var result: [Element] = []
        for o in 0..<outer {
            for part in parts {
                let block = part.shape[axis] * inner
                result.append(contentsOf: part.elements[(o * block)..<((o + 1) * block)])
            }
        }
        return try ShapedArray(shape: newShape, elements: result)
    }

    /// Numpy broadcasting of two shapes, as ONNX's elementwise operators and Expand use it.
    static func broadcastShape(_ a: [Int], _ b: [Int]) throws(NodeProblem) -> [Int] {
        let rank = max(a.count, b.count)
        let left = [Int](repeating: 1, count: rank - a.count) + a, right = [Int](repeating: 1, count: rank - b.count) + b
        var result: [Int] = []
        for (x, y) in zip(left, right) {
            guard x == y || x == 1 || y == 1 else { throw NodeProblem("shapes \(a) and \(b) do not broadcast") }
            result.append(x == 1 ? y : x)
        }
        return result
    }

    /// Most elements a broadcast may create beyond its input's own count. Real graphs broadcast biases,
    /// scalars and initial states (ConstantOfShape, Expand) to at most a few times steps x hidden; without
    /// this, a 2 KB file's ConstantOfShape of 2^26 elements took over 10 s and 512 MB (found by FuzzONNX).
    static var maxBroadcastElements: Int { 1 << 20 }

    /// This array broadcast to `target` (which must be a broadcast of its shape).
    func broadcast(to target: [Int]) throws(NodeProblem) -> ShapedArray {
        guard try Self.broadcastShape(shape, target) == target else {
            throw NodeProblem("shape \(shape) does not broadcast to \(target)")
        }
        let count = try Self.count(of: target)
        guard count <= max(elements.count, Self.maxBroadcastElements) else {
            throw NodeProblem("broadcasting shape \(shape) to \(target) would create \(count) elements (at most \(Self.maxBroadcastElements))")
        }
        let padded = [Int](repeating: 1, count: target.count - rank) + shape
        let strides = Self.strides(of: padded)
        return try mapped(to: target) { index in
            index.indices.reduce(0) { $0 + (padded[$1] == 1 ? 0 : strides[$1] * index[$1]) }
        }
    }
}
