/// Everything the forward pass computed for one sequence: each layer's step records and the logits.
/// `layers[l][t]` is layer l at step t; layer l's input at step t is layer l-1's hidden state there.
public struct ForwardTrace: Sendable {
    public let layers: [[StepRecord]]
    public let logits: [Double]

    /// The top layer's last hidden state, the head's input.
    public var finalHidden: [Double] { layers[layers.count - 1][layers[0].count - 1].state.hidden }
}
