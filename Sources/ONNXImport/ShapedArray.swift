/// A row-major array with a shape: the one representation of every tensor the importer evaluates, whether
/// its elements are numbers (constants, shape plumbing) or element ids (values that depend on the model's
/// input, see `ElementTable`). Layout operations are written once, generically, for both.
struct ShapedArray<Element> {
    let shape: [Int]
    let elements: [Element]

    /// Largest element count of any tensor the importer builds. A hostile `ConstantOfShape` or `Expand`
    /// could otherwise ask for petabytes from a few bytes of file; the classifiers it reads are far below.
    static var maxElements: Int { 1 << 26 }

    init(shape: [Int], elements: [Element]) throws(NodeProblem) {
        guard try Self.count(of: shape) == elements.count else {
            throw NodeProblem("\(elements.count) elements for shape \(shape)")
        }
        self.shape = shape
        self.elements = elements
    }

    init(scalar: Element) {
        shape = []
        elements = [scalar]
    }

    /// The element count of `shape`, refusing negative dimensions and counts past `maxElements` (every
    /// product overflow-checked, so a shape near 2^63 cannot wrap into a small count).
    static func count(of shape: [Int]) throws(NodeProblem) -> Int {
        var total = 1
        for dimension in shape {
            guard dimension >= 0 else { throw NodeProblem("negative dimension in shape \(shape)") }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maxElements else {
                throw NodeProblem("shape \(shape) has more than \(maxElements) elements")
            }
            total = product
        }
        return total
    }

    var rank: Int { shape.count }

    /// Row-major strides of `shape`; safe because the shape's count was checked.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.reversed().dropFirst() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// An axis given as ONNX does (negative counts from the end), checked against `rank`.
    static func axis(_ axis: Int, rank: Int) throws(NodeProblem) -> Int {
        guard (-rank..<rank).contains(axis) else { throw NodeProblem("axis \(axis) is outside rank \(rank)") }
        return axis < 0 ? axis + rank : axis
    }

    /// The same elements under another shape of the same count.
    func reshaped(_ newShape: [Int]) throws(NodeProblem) -> ShapedArray {
        try ShapedArray(shape: newShape, elements: elements)
    }

    /// Elements gathered by output index: `source(index)` gives the flat input offset of each output element.
    func mapped(to newShape: [Int], source: ([Int]) -> Int) throws(NodeProblem) -> ShapedArray {
        let count = try Self.count(of: newShape)
        var result: [Element] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: newShape.count)
        for _ in 0..<count {
            result.append(elements[source(index)])
            // Odometer increment of the multi-index, last axis fastest.
            var axis = newShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < newShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return try ShapedArray(shape: newShape, elements: result)
    }
}
