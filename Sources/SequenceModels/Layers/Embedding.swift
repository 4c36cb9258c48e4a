/// A token embedding table (PyTorch's `nn.Embedding.weight`, vocabulary x dimension).
public struct Embedding: Sendable {
    public let table: Matrix

    public var vocabularySize: Int { table.rows }

    /// The embedded sequence; every id is checked, so a bad id is an error, not a crash.
    public func embed(_ tokens: [Int]) throws(ModelError) -> [[Double]] {
        guard !tokens.isEmpty else { throw .emptySequence }
        var sequence: [[Double]] = []
        sequence.reserveCapacity(tokens.count)
        for (position, id) in tokens.enumerated() {
            guard id >= 0 && id < table.rows else {
                throw .unknownToken(position: position, id: id, vocabularySize: table.rows)
            }
            sequence.append(Array(table.storage[(id * table.columns)..<((id + 1) * table.columns)]))
        }
        return sequence
    }
}
