/// A dense row-major matrix of `Double`, the compute type of rnnguard.
///
/// Weights arrive as float32 (or f16/bf16/f64) and are widened once at load time, so the forward pass and
/// the certifier see exactly the same numbers and the bound computation runs in double precision.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major storage: element (r, c) is at `r * columns + c`.
    public var storage: [Double]

    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns, "storage does not match \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, storage: [Double](repeating: 0, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Rows `range` as a new matrix (a gate block of a stacked PyTorch weight, for example).
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }
}

extension Matrix {
    /// The matrix cut into consecutive column blocks of the given widths (which must add up to
    /// `columns`): the weight a layer applies to each part of a concatenated input.
    public func columnBlocks(_ widths: [Int]) -> [Matrix] {
        precondition(widths.reduce(0, +) == columns, "column blocks \(widths) do not cover \(columns) columns")
        guard widths.count > 1 else { return [self] }
        var start = 0
        return widths.map { width in
            defer { start += width }
            var block = [Double]()
            block.reserveCapacity(rows * width)
            for r in 0..<rows { block.append(contentsOf: storage[(r * columns + start)..<(r * columns + start + width)]) }
            return Matrix(rows: rows, columns: width, storage: block)
        }
    }
}
