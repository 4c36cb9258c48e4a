import SequenceModels

/// An `nn.RNN` layer as the dynamo exporter (`torch.onnx.export`'s default) writes it: not an ONNX `RNN`
/// node but the cell unrolled for the export's sequence length T, for each direction and step
/// h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) as MatMul / Add / Tanh-or-Relu nodes, with the
/// first step's h_{t-1} term folded away (h_0 = 0 leaves a constant: b_hh, or b_ih + b_hh pre-summed).
/// It is built while those nodes are walked, one partial sum at a time (`Term`), checking that every step
/// uses the same weights, and becomes an `ImportedRecurrentLayer` once something other than the cell
/// reads its outputs. The recovered weights do not depend on T: the imported layer runs at any length.
struct UnrolledRecurrentLayer {
    /// x_t W_ih^T: the layer input's step `step` through `weights[weight]`.
    struct InputTerm: Equatable {
        let step: Int
        let weight: Int
    }

    /// h_{t-1} W_hh^T: the output of `direction` at step `step` through `weights[weight]`.
    struct HiddenTerm: Equatable {
        let direction: Int
        let step: Int
        let weight: Int
    }

    /// One element of a pre-activation being summed: unit `unit` of x_t W_ih^T, of h_{t-1} W_hh^T or of
    /// both, plus the constants added so far.
    struct Term {
        let unit: Int
        var input: InputTerm?
        var hidden: HiddenTerm?
        /// Constants added to the input term alone (b_ih), to the hidden term alone (b_hh), or to a sum
        /// of both, after which the two biases cannot be told apart (`mixed`).
        var inputBias = 0.0, hiddenBias = 0.0, mixedBias = 0.0
        var biased = false, mixed = false

        var bias: Double { inputBias + hiddenBias + mixedBias }

        mutating func add(_ constant: Double) {
            switch (input, hidden) {
            case (_?, nil): inputBias += constant
            case (nil, _?): hiddenBias += constant
            default: mixedBias += constant; mixed = true
            }
            biased = true
        }

        /// The elementwise sum of two partial pre-activations of the same unit: one holds x_t W_ih^T,
        /// the other h_{t-1} W_hh^T.
        static func + (left: Term, right: Term) throws(NodeProblem) -> Term {
            guard left.unit == right.unit else { throw NodeProblem("it adds different hidden units of an unrolled RNN cell") }
            guard left.input == nil || right.input == nil, left.hidden == nil || right.hidden == nil else {
                throw NodeProblem("it adds two input (or two hidden-state) products of an unrolled RNN cell")
            }
            var sum = Term(unit: left.unit, input: left.input ?? right.input, hidden: left.hidden ?? right.hidden)
            sum.inputBias = left.inputBias + right.inputBias
            sum.hiddenBias = left.hiddenBias + right.hiddenBias
            sum.mixedBias = left.mixedBias + right.mixedBias
            sum.biased = left.biased || right.biased
            sum.mixed = left.mixed || right.mixed
            return sum
        }
    }

    struct Direction {
        let weightIH: Int
        var weightHH: Int?
        /// The step outputs in the order the direction runs (the reverse one from the last step).
        var outputs: [ElementTable.Block] = []
        /// b_ih + b_hh, from the first step.
        let bias: [Double]
        /// b_ih and b_hh apart, once a step adds them to its two products separately.
        var split: (ih: [Double], hh: [Double])?
        var biased: Bool
    }

    /// T, the sequence length the graph was unrolled for.
    let steps: Int
    /// The ids of the layer input it reads, [T, inputSize].
    let input: [Int]
    let inputSize: Int
    let hiddenSize: Int
    /// Every projection's weight, hidden x in (PyTorch's layout); terms refer to them by index.
    private(set) var weights: [[Double]] = []
    /// The pre-activation elements summed so far, by id.
    var terms: [Int: Term] = [:]
    private(set) var directions: [Direction] = []
    private(set) var nonlinearity: RNNNonlinearity?

    init(steps: Int, input: [Int], inputSize: Int, hiddenSize: Int) {
        self.steps = steps
        self.input = input
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    mutating func addWeight(_ weight: [Double]) -> Int {
        weights.append(weight)
        return weights.count - 1
    }

    /// W_hh of `direction`: the first hidden-state product sets it, every later one must use the same.
    mutating func hiddenWeight(direction: Int, _ weight: [Double]) throws(NodeProblem) -> Int {
        if let known = directions[direction].weightHH {
            guard weights[known] == weight else {
                throw NodeProblem("its weight differs from the hidden-state weight (W_hh) earlier steps of direction \(direction) use: "
                                  + "an unrolled RNN cell must use the same weights at every step")
            }
            return known
        }
        let index = addWeight(weight)
        directions[direction].weightHH = index
        return index
    }

    /// The time step a direction's `index`-th output is: forward from 0, reverse from T - 1.
    func time(direction: Int, index: Int) -> Int { direction == 0 ? index : steps - 1 - index }

    func isComplete(direction: Int) -> Bool { directions[direction].outputs.count == steps }

    /// Which direction and time step a step-output block holds, if it is one of this layer's.
    func position(of block: ElementTable.Block) -> (direction: Int, step: Int)? {
        for (d, direction) in directions.enumerated() {
            if let index = direction.outputs.firstIndex(of: block) { return (d, time(direction: d, index: index)) }
        }
        return nil
    }

    /// One step's activation: `row` (units 0..<hidden of one pre-activation) becomes `output`. A row
    /// without a hidden-state product starts a direction (forward at step 0, then reverse at T - 1); any
    /// other continues the direction whose latest output it reads, at the next step, with its weights.
    mutating func addStep(_ row: [Term], _ activation: RNNNonlinearity, output: ElementTable.Block) throws(NodeProblem) {
        guard row.count == hiddenSize, row.enumerated().allSatisfy({ $0.element.unit == $0.offset }) else {
            throw NodeProblem("it does not activate whole steps of an unrolled RNN cell (\(hiddenSize) units in order)")
        }
        guard let input = row[0].input, row.allSatisfy({ $0.input == input && $0.hidden == row[0].hidden }) else {
            throw NodeProblem("it activates something other than one step's x_t W_ih^T (+ h_{t-1} W_hh^T) of an unrolled RNN cell")
        }
        if let nonlinearity, nonlinearity != activation {
            throw NodeProblem("the unrolled RNN cell mixes \(nonlinearity) and \(activation) steps")
        }
        nonlinearity = activation
        let bias = row.map(\.bias), biased = row.contains(where: \.biased)
        guard let hidden = row[0].hidden else {
            let d = directions.count, first = d == 0 ? 0 : steps - 1
            guard d < 2, input.step == first else {
                throw NodeProblem("a step without h_{t-1} W_hh^T must start a direction: forward at step 0, then reverse at step \(steps - 1); "
                                  + "this one is step \(input.step) of direction \(d)")
            }
            directions.append(Direction(weightIH: input.weight, bias: bias, biased: biased))
            directions[d].outputs.append(output)
            return
        }
        let d = hidden.direction
        var direction = directions[d]
        let next = direction.outputs.count
        guard next < steps, hidden.step == time(direction: d, index: next - 1), input.step == time(direction: d, index: next),
              hidden.weight == direction.weightHH else {
            throw NodeProblem("step \(input.step) reads h of step \(hidden.step) of direction \(d): not the step after that direction's latest")
        }
        guard input.weight == direction.weightIH || weights[input.weight] == weights[direction.weightIH] else {
            throw NodeProblem("step \(input.step)'s input weight differs from the one (W_ih) earlier steps of direction \(d) use: "
                              + "an unrolled RNN cell must use the same weights at every step")
        }
        // The biases are float32 sums that an exporter may form in another order (or pre-sum): equal to a
        // few float32 units in the last place, which is all PyTorch itself guarantees across steps.
        guard zip(bias, direction.bias).allSatisfy({ abs($0 - $1) <= 4 * Double(Float.ulpOfOne) * max(1, abs($1)) }) else {
            throw NodeProblem("step \(input.step)'s bias differs from the one (b_ih + b_hh) earlier steps of direction \(d) use: "
                              + "an unrolled RNN cell must use the same weights at every step")
        }
        if !row.contains(where: \.mixed) {
            let split = (ih: row.map(\.inputBias), hh: row.map(\.hiddenBias))
            if let known = direction.split, known.ih != split.ih || known.hh != split.hh {
                throw NodeProblem("step \(input.step)'s b_ih or b_hh differs from earlier steps' of direction \(d): "
                                  + "an unrolled RNN cell must use the same weights at every step")
            }
            direction.split = split
        }
        direction.biased = direction.biased || biased
        direction.outputs.append(output)
        directions[d] = direction
    }

    /// The layer, once every direction ran all T steps, its outputs `output` ([T, directions x hidden]).
    func imported(output: ElementTable.Block) throws(NodeProblem) -> ImportedRecurrentLayer {
        guard let nonlinearity, !directions.isEmpty else { throw NodeProblem("the unrolled RNN cell has no step") }
        var recovered: [ImportedRecurrentLayer.Direction] = []
        for (d, direction) in directions.enumerated() {
            guard direction.outputs.count == steps, let weightHH = direction.weightHH else {
                throw NodeProblem("it reads direction \(d) of an unrolled RNN cell after \(direction.outputs.count) of its \(steps) steps")
            }
            // When a step adds b_ih and b_hh to their own products they are written apart, as PyTorch
            // holds them. Otherwise only b_ih + b_hh is in the graph: it is written as bias_ih with zeros
            // as bias_hh, which computes the same, since the cell only ever uses the sum.
            let biases = direction.biased ? direction.split ?? (ih: direction.bias, hh: [Double](repeating: 0, count: hiddenSize)) : nil
            recovered.append(.init(weightIH: weights[direction.weightIH], weightHH: weights[weightHH], biases: biases))
        }
        return ImportedRecurrentLayer(architecture: .rnn, nonlinearity: nonlinearity, inputSize: inputSize, hiddenSize: hiddenSize,
                                      directions: recovered, output: output)
    }

    /// Where each step output's ids go in the layer's outputs `output`, [T, directions x hidden].
    func layerIDs(in output: ElementTable.Block) -> [Int: Int] {
        let width = directions.count * hiddenSize
        var ids: [Int: Int] = [:]
        for (d, direction) in directions.enumerated() {
            for (index, block) in direction.outputs.enumerated() {
                let start = output.base + time(direction: d, index: index) * width + d * hiddenSize
                for unit in 0..<hiddenSize { ids[block.base + unit] = start + unit }
            }
        }
        return ids
    }
}
