/// The cell of one recurrent layer, with the number of gate blocks PyTorch stacks in its weights.
public enum CellKind: Sendable, Equatable {
    case rnn(RNNNonlinearity)
    /// Gate blocks i, f, g, o.
    case lstm
    /// Gate blocks r, z, n.
    case gru

    public var gateCount: Int {
        switch self {
        case .rnn: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }
}

/// One layer of a PyTorch `nn.RNN`, `nn.LSTM` or `nn.GRU`: its weights in PyTorch's layout, gate blocks
/// stacked along the rows (`weight_ih_l{k}` is gates*H x input, `weight_hh_l{k}` is gates*H x H).
/// A model exported with `bias=False` gets zero biases.
public struct RecurrentLayer: Sendable {
    public let kind: CellKind
    public let inputSize: Int
    public let hiddenSize: Int
    public let weightIH: Matrix
    public let weightHH: Matrix
    public let biasIH: [Double]
    /// False for a `bias=False` layer (its biases are zeros, not parameters).
    public let hasBias: Bool
    public let biasHH: [Double]

    public init(kind: CellKind, weightIH: Matrix, weightHH: Matrix, biasIH: [Double]?, biasHH: [Double]?) {
        let rows = weightHH.rows
        precondition(rows == kind.gateCount * weightHH.columns && weightIH.rows == rows, "gate blocks do not match")
        self.kind = kind
        self.inputSize = weightIH.columns
        self.hiddenSize = weightHH.columns
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.hasBias = biasIH != nil
        self.biasIH = biasIH ?? [Double](repeating: 0, count: rows)
        self.biasHH = biasHH ?? [Double](repeating: 0, count: rows)
    }

    /// Loads layer `index` from PyTorch's tensor names `{prefix}weight_ih_l{index}` and friends (with
    /// `_reverse` appended for the backward direction of a bidirectional layer).
    init(kind: CellKind, index: Int, reverse: Bool = false, inputSize: Int, hiddenSize: Int, prefix: String,
         from file: SafeTensorsFile) throws(ModelError) {
        let rows = kind.gateCount * hiddenSize
        let suffix = "_l\(index)" + (reverse ? "_reverse" : "")
        let weightIH = try file.matrix(prefix + "weight_ih" + suffix, rows: rows, columns: inputSize)
        let weightHH = try file.matrix(prefix + "weight_hh" + suffix, rows: rows, columns: hiddenSize)
        let biasNames = (prefix + "bias_ih" + suffix, prefix + "bias_hh" + suffix)
        // bias=False models have neither bias tensor; a model with one of the two is broken.
        var biasIH: [Double]?
        var biasHH: [Double]?
        if file.tensors[biasNames.0] != nil || file.tensors[biasNames.1] != nil {
            biasIH = try file.tensor(biasNames.0, shape: [rows])
            biasHH = try file.tensor(biasNames.1, shape: [rows])
        }
        self.init(kind: kind, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }
}
