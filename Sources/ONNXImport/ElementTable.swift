import SequenceModels
/// Ids for the elements of every tensor that depends on the model's input. Each quantity the model
/// computes (the input features at step t, layer k's output, the pooled vector, a head layer's output)
/// gets a block of consecutive ids when the node producing it is recognised; layout operators then only
/// move ids around, so a recogniser can check element by element that a node reads exactly the quantity
/// the classifier format describes (e.g. "the forward direction's last step and the backward
/// direction's first") whatever chain of Transpose / Reshape / Slice / Gather / Concat led there.
struct ElementTable {
    enum Source: Equatable {
        /// The float input, [T, input_size] row-major.
        case features
        /// The token-id input, [T].
        case tokens
        /// Embedding rows of the tokens, [T, input_size].
        case embedded
        /// Recurrent layer k's outputs, [T, directions x hidden] (ONNX's Y with the batch of 1 dropped).
        case layer(Int)
        /// A pre-activation of an unrolled RNN cell being summed (`UnrolledRecurrentLayer.Term`).
        case unrolledSum
        /// One step's output of an unrolled RNN cell whose layer is not complete yet, [hidden]; read
        /// as the layer's outputs once it is (`ClassifierRecogniser.settled`).
        case unrolledStep
        /// An LSTM's final cell state: nothing in the format reads it.
        case cellState(Int)
        /// Layer k's outputs pooled over time.
        case pooled(Pooling, layer: Int)
        /// Head layer k's output (after its bias, or after its activation: a new block each time).
        case head(Int)
    }

    struct Block: Equatable {
        let source: Source
        let base: Int
        let count: Int

        var ids: [Int] { Array(base..<(base + count)) }
    }

    private(set) var blocks: [Block] = []
    private var next = 0

    mutating func allocate(_ source: Source, count: Int) -> Block {
        let block = Block(source: source, base: next, count: count)
        blocks.append(block)
        next += count
        return block
    }

    /// The block an id belongs to (blocks are allocated in increasing order, so a binary search finds it).
    func block(containing id: Int) -> Block? {
        var low = 0, high = blocks.count
        while low < high {
            let middle = (low + high) / 2
            if blocks[middle].base + blocks[middle].count <= id { low = middle + 1 } else { high = middle }
        }
        return low < blocks.count && blocks[low].base <= id ? blocks[low] : nil
    }
}
