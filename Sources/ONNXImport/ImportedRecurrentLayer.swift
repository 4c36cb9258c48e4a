import SequenceModels

/// One recurrent node turned into a PyTorch layer: weights in PyTorch's gate order and layout, one set
/// per direction (forward, then backward).
struct ImportedRecurrentLayer {
    struct Direction {
        /// weight_ih (gates x hidden, input), row-major.
        let weightIH: [Double]
        /// weight_hh (gates x hidden, hidden), row-major.
        let weightHH: [Double]
        /// bias_ih and bias_hh, absent when the ONNX node has no B input (PyTorch's bias=False).
        let biases: (ih: [Double], hh: [Double])?
    }

    let architecture: Architecture
    let nonlinearity: RNNNonlinearity?
    let inputSize: Int
    let hiddenSize: Int
    let directions: [Direction]
    /// The ids of its outputs, [T, directions x hidden].
    let output: ElementTable.Block

    var outputWidth: Int { directions.count * hiddenSize }

    /// Rows of each weight matrix: gates x hidden.
    var weightRows: Int { Self.onnxGateOfPyTorchGate(architecture).count * hiddenSize }

    /// Gate blocks in PyTorch's order, given as positions in ONNX's order: LSTM is i, f, g, o in PyTorch
    /// and i, o, f, c in ONNX; GRU is r, z, n in PyTorch and z, r, h in ONNX; an RNN has one block.
    static func onnxGateOfPyTorchGate(_ architecture: Architecture) -> [Int] {
        switch architecture {
        case .lstm: return [0, 2, 3, 1]
        case .gru: return [1, 0, 2]
        case .rnn: return [0]
        }
    }

    /// `rows` (gates x hidden rows of `width` values, ONNX gate order) in PyTorch's gate order.
    static func pytorchGateOrder(_ rows: ArraySlice<Double>, architecture: Architecture, hiddenSize: Int, width: Int) -> [Double] {
        let block = hiddenSize * width
        return onnxGateOfPyTorchGate(architecture).flatMap { gate in
            rows[(rows.startIndex + gate * block)..<(rows.startIndex + (gate + 1) * block)]
        }
    }
}
