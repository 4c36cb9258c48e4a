/// PyTorch's cell equations, gate blocks in PyTorch's order.
extension RecurrentLayer {
    /// Advances the layer by one step.
    public func step(_ input: [Double], from previous: CellState) -> StepRecord {
        var inputProjection = weightIH.times(input)
        var hiddenProjection = weightHH.times(previous.hidden)
        for k in 0..<inputProjection.count {
            inputProjection[k] += biasIH[k]
            hiddenProjection[k] += biasHH[k]
        }
        let state = Self.next(kind: kind, hiddenSize: hiddenSize, inputProjection: inputProjection,
                              hiddenProjection: hiddenProjection, previous: previous)
        return StepRecord(inputProjection: inputProjection, hiddenProjection: hiddenProjection, state: state)
    }

    static func next(kind: CellKind, hiddenSize h: Int, inputProjection a: [Double], hiddenProjection b: [Double],
                     previous: CellState) -> CellState {
        switch kind {
        case .rnn(let nonlinearity):
            let hidden = (0..<h).map { k in
                let z = a[k] + b[k]
                return nonlinearity == .tanh ? Activation.tanh(z) : Activation.relu(z)
            }
            return CellState(hidden: hidden, cell: [])
        case .lstm:
            // c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t)
            var hidden = [Double](repeating: 0, count: h)
            var cell = [Double](repeating: 0, count: h)
            for k in 0..<h {
                let i = Activation.sigmoid(a[k] + b[k])
                let f = Activation.sigmoid(a[h + k] + b[h + k])
                let g = Activation.tanh(a[2 * h + k] + b[2 * h + k])
                let o = Activation.sigmoid(a[3 * h + k] + b[3 * h + k])
                cell[k] = f * previous.cell[k] + i * g
                hidden[k] = o * Activation.tanh(cell[k])
            }
            return CellState(hidden: hidden, cell: cell)
        case .gru:
            // n = tanh(a_n + r * b_n),  h_t = (1 - z) * n + z * h_{t-1}
            let hidden = (0..<h).map { k in
                let r = Activation.sigmoid(a[k] + b[k])
                let z = Activation.sigmoid(a[h + k] + b[h + k])
                let n = Activation.tanh(a[2 * h + k] + r * b[2 * h + k])
                return (1 - z) * n + z * previous.hidden[k]
            }
            return CellState(hidden: hidden, cell: [])
        }
    }
}
