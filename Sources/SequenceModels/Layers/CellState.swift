/// What a recurrent layer carries from one step to the next: the hidden state `h`, and for an LSTM the
/// cell state `c` (empty for RNN and GRU).
public struct CellState: Sendable, Equatable {
    public var hidden: [Double]
    public var cell: [Double]

    public static func zero(for layer: RecurrentLayer) -> CellState {
        let zeros = [Double](repeating: 0, count: layer.hiddenSize)
        return CellState(hidden: zeros, cell: layer.kind == .lstm ? zeros : [])
    }
}

/// One step of one layer as the forward pass computed it: the two affine projections (PyTorch keeps their
/// biases apart, and the GRU needs them apart) and the resulting state. The certifier uses these as the
/// centre of its bounds and the attack differentiates through them.
public struct StepRecord: Sendable {
    /// `W_ih x_t + b_ih`, gates*H.
    public var inputProjection: [Double]
    /// `W_hh h_{t-1} + b_hh`, gates*H.
    public var hiddenProjection: [Double]
    public var state: CellState
}
