/// Exact input gradients by backpropagation through time, for gradient attacks on the classifier.
extension SequenceClassifier {
    /// The value of `sum_k outputWeights[k] * logits[k]` at `sequence` and its gradient with respect to every
    /// input feature (T x input_size), by exact backpropagation through the head, every layer and every step
    /// (zero initial states, PyTorch's cell equations).
    ///
    /// With `outputWeights = e_j - e_c` this is the margin `y_j - y_c` a misclassification attack climbs.
    public func gradient(_ sequence: [[Double]], outputWeights: [Double]) -> (value: Double, gradient: [[Double]]) {
        let trace = trace(sequence)
        var value = 0.0
        for k in 0..<outputWeights.count { value += outputWeights[k] * trace.logits[k] }
        return (value, backpropagate(trace, outputWeights: outputWeights))
    }

    /// The gradient of `sum_k outputWeights[k] * logits[k]` with respect to the input sequence whose forward
    /// trace is `trace`. Callers that already traced the input (to read its logits) avoid a second forward pass.
    public func backpropagate(_ trace: ForwardTrace, outputWeights: [Double]) -> [[Double]] {
        precondition(outputWeights.count == numClasses, "\(outputWeights.count) output weights for \(numClasses) classes")
        let length = trace.layers[0].count
        // d/dh of the objective at every step of the current layer's output; only the last step feeds the head.
        var outputGradients = [[Double]](repeating: [], count: length)
        outputGradients[length - 1] = head.weight.transposedTimes(outputWeights)
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            outputGradients = layers[l].backward(trace.layers[l], outputGradients: outputGradients)
        }
        return outputGradients
    }
}

extension RecurrentLayer {
    /// Backpropagation through time over one layer: given d/dh_t from above at each step (empty = zero),
    /// returns d/dx_t for each step, x_t being this layer's input.
    fileprivate func backward(_ records: [StepRecord], outputGradients: [[Double]]) -> [[Double]] {
        let zero = CellState.zero(for: self)
        // The gradient carried back from step t+1 into step t's state.
        var carried = zero
        var inputGradients = [[Double]](repeating: [], count: records.count)
        for t in stride(from: records.count - 1, through: 0, by: -1) {
            var dState = carried
            if !outputGradients[t].isEmpty {
                for k in 0..<hiddenSize { dState.hidden[k] += outputGradients[t][k] }
            }
            let previous = t > 0 ? records[t - 1].state : zero
            let step = backwardStep(records[t], previous: previous, dState: dState)
            inputGradients[t] = weightIH.transposedTimes(step.dInputProjection)
            // h_{t-1} reaches step t through W_hh (all cells) and, for the GRU, directly through z * h_{t-1}.
            carried = step.dPrevious
            let throughWeights = weightHH.transposedTimes(step.dHiddenProjection)
            for k in 0..<hiddenSize { carried.hidden[k] += throughWeights[k] }
        }
        return inputGradients
    }

    /// One step's local derivatives: d/d(inputProjection), d/d(hiddenProjection), and the part of d/d(previous
    /// state) that does not go through W_hh.
    private func backwardStep(_ record: StepRecord, previous: CellState, dState: CellState)
        -> (dInputProjection: [Double], dHiddenProjection: [Double], dPrevious: CellState) {
        switch kind {
        case .rnn(let nonlinearity):
            return rnnBackwardStep(record, nonlinearity: nonlinearity, dHidden: dState.hidden)
        case .lstm:
            return lstmBackwardStep(record, previous: previous, dState: dState)
        case .gru:
            return gruBackwardStep(record, previous: previous, dHidden: dState.hidden)
        }
    }

    /// h = act(a + b).
    private func rnnBackwardStep(_ record: StepRecord, nonlinearity: RNNNonlinearity, dHidden: [Double])
        -> (dInputProjection: [Double], dHiddenProjection: [Double], dPrevious: CellState) {
        let h = record.state.hidden
        let dPre = (0..<hiddenSize).map { k in
            switch nonlinearity {
            case .tanh: return dHidden[k] * (1 - h[k] * h[k])
            // relu' taken as 0 at the kink, as PyTorch does.
            case .relu: return record.inputProjection[k] + record.hiddenProjection[k] > 0 ? dHidden[k] : 0
            }
        }
        return (dPre, dPre, CellState.zero(for: self))
    }

    /// c = f * c_prev + i * g,  h = o * tanh(c); gate blocks i, f, g, o.
    private func lstmBackwardStep(_ record: StepRecord, previous: CellState, dState: CellState)
        -> (dInputProjection: [Double], dHiddenProjection: [Double], dPrevious: CellState) {
        let n = hiddenSize
        let a = record.inputProjection, b = record.hiddenProjection
        var dPre = [Double](repeating: 0, count: 4 * n)
        var dPreviousCell = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let i = Activation.sigmoid(a[k] + b[k])
            let f = Activation.sigmoid(a[n + k] + b[n + k])
            let g = Activation.tanh(a[2 * n + k] + b[2 * n + k])
            let o = Activation.sigmoid(a[3 * n + k] + b[3 * n + k])
            let tanhCell = Activation.tanh(record.state.cell[k])
            let dCell = dState.cell[k] + dState.hidden[k] * o * (1 - tanhCell * tanhCell)
            dPre[k] = dCell * g * i * (1 - i)
            dPre[n + k] = dCell * previous.cell[k] * f * (1 - f)
            dPre[2 * n + k] = dCell * i * (1 - g * g)
            dPre[3 * n + k] = dState.hidden[k] * tanhCell * o * (1 - o)
            dPreviousCell[k] = dCell * f
        }
        return (dPre, dPre, CellState(hidden: [Double](repeating: 0, count: n), cell: dPreviousCell))
    }

    /// n = tanh(a_n + r * b_n),  h = (1 - z) * n + z * h_prev; gate blocks r, z, n. The n block is where the
    /// two projections differ: b_n is scaled by r.
    private func gruBackwardStep(_ record: StepRecord, previous: CellState, dHidden: [Double])
        -> (dInputProjection: [Double], dHiddenProjection: [Double], dPrevious: CellState) {
        let m = hiddenSize
        let a = record.inputProjection, b = record.hiddenProjection
        var dA = [Double](repeating: 0, count: 3 * m)
        var dB = [Double](repeating: 0, count: 3 * m)
        var dPreviousHidden = [Double](repeating: 0, count: m)
        for k in 0..<m {
            let r = Activation.sigmoid(a[k] + b[k])
            let z = Activation.sigmoid(a[m + k] + b[m + k])
            let n = Activation.tanh(a[2 * m + k] + r * b[2 * m + k])
            let dPreN = dHidden[k] * (1 - z) * (1 - n * n)
            let dPreZ = dHidden[k] * (previous.hidden[k] - n) * z * (1 - z)
            let dPreR = dPreN * b[2 * m + k] * r * (1 - r)
            dA[k] = dPreR
            dB[k] = dPreR
            dA[m + k] = dPreZ
            dB[m + k] = dPreZ
            dA[2 * m + k] = dPreN
            dB[2 * m + k] = dPreN * r
            dPreviousHidden[k] = dHidden[k] * z
        }
        return (dA, dB, CellState(hidden: dPreviousHidden, cell: []))
    }
}
