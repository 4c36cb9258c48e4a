/// Everything the forward pass computed for one sequence: the unrolled graph and every node's value.
public struct ForwardTrace: Sendable {
    public let unrolled: UnrolledClassifier
    /// `values[id]` is node `id`'s value.
    public let values: [[Double]]

    public var logits: [Double] { values[unrolled.logits] }
    /// The top layer's output at every step (the directions concatenated), what the head pools.
    public var topOutputs: [[Double]] { unrolled.topOutputs.map { $0.flatMap { values[$0] } } }
}
