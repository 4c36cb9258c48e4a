import SequenceModels

/// The dynamo exporter's unrolled `nn.RNN` (`UnrolledRecurrentLayer`): its products, sums and step
/// activations, recognised element by element like every other stage, and the layer they make.
extension ClassifierRecogniser {
    /// x_t W_ih^T for every step at once: a MatMul (or Gemm) whose rows are the steps of the current
    /// sequence, each once, in any order. nil when `values` is not that. At one step an unrolled cell
    /// never shows W_hh (h_0 = 0 folds it away) and could not be imported, so one step is never read
    /// this way (a head reading a one-step layer's output looks the same).
    mutating func inputProjection(_ values: ShapedArray<Int>, weight: [Double], outputs: Int, bias: [Double]?) throws(NodeProblem) -> ShapedArray<Int>? {
        guard steps >= 2, head.isEmpty, let sequence, let width = values.shape.last, width > 0,
              values.elements.count == steps * width, sequence.count == steps * width else { return nil }
        var rowSteps: [Int] = []
        for row in 0..<steps {
            let ids = Array(values.elements[(row * width)..<((row + 1) * width)])
            let offset = ids[0] - sequence.base
            guard offset >= 0, offset % width == 0, ids == Array((ids[0])..<(ids[0] + width)), ids[width - 1] < sequence.base + sequence.count else {
                return nil
            }
            rowSteps.append(offset / width)
        }
        guard Set(rowSteps).count == steps else { return nil }
        guard outputs > 0, outputs <= ModelManifest.maxSize, weight.count == outputs * width, bias.map({ $0.count == outputs }) ?? true else {
            throw NodeProblem("the input product of an unrolled RNN cell needs a weight of \(width) x hidden and a bias of hidden")
        }
        var layer = unrolled ?? UnrolledRecurrentLayer(steps: steps, input: sequence.ids, inputSize: width, hiddenSize: outputs)
        guard layer.input == sequence.ids, layer.hiddenSize == outputs else {
            throw NodeProblem("the directions of an unrolled RNN layer differ in hidden size (\(layer.hiddenSize), \(outputs))")
        }
        unrolled = nil  // modified in place below, then put back
        let weightIndex = layer.addWeight(weight)
        let block = allocate(.unrolledSum, count: steps * outputs)
        for (row, step) in rowSteps.enumerated() {
            for unit in 0..<outputs {
                var term = UnrolledRecurrentLayer.Term(unit: unit, input: .init(step: step, weight: weightIndex))
                if let bias { term.add(bias[unit]) }
                layer.terms[block.base + row * outputs + unit] = term
            }
        }
        unrolled = layer
        return try ShapedArray(shape: values.shape.dropLast() + [outputs], elements: block.ids)
    }

    /// h_{t-1} W_hh^T: a MatMul (or Gemm) of a hidden x hidden weight whose rows are each one step output
    /// of a direction of the unrolled layer that has not run all its steps. nil when it is not that.
    mutating func hiddenProjection(_ values: ShapedArray<Int>, weight: [Double], outputs: Int, bias: [Double]?) throws(NodeProblem) -> ShapedArray<Int>? {
        guard var layer = unrolled, values.shape.last == layer.hiddenSize, values.elements.count % layer.hiddenSize == 0 else { return nil }
        let width = layer.hiddenSize
        var rows: [(direction: Int, step: Int)] = []
        for start in stride(from: 0, to: values.elements.count, by: width) {
            let ids = Array(values.elements[start..<(start + width)])
            guard let block = table.block(containing: ids[0]), block.source == .unrolledStep, ids == block.ids,
                  let position = layer.position(of: block), !layer.isComplete(direction: position.direction) else { return nil }
            rows.append(position)
        }
        // A product of another width is no h_{t-1} W_hh^T: read as a consumer of the cell (`settled`).
        guard outputs == width, weight.count == width * width, bias.map({ $0.count == width }) ?? true else { return nil }
        unrolled = nil  // modified in place below, then put back
        let block = allocate(.unrolledSum, count: values.elements.count)
        for (row, position) in rows.enumerated() {
            let weightIndex = try layer.hiddenWeight(direction: position.direction, weight)
            for unit in 0..<width {
                var term = UnrolledRecurrentLayer.Term(unit: unit, hidden: .init(direction: position.direction, step: position.step, weight: weightIndex))
                if let bias { term.add(bias[unit]) }
                layer.terms[block.base + row * width + unit] = term
            }
        }
        unrolled = layer
        return try ShapedArray(shape: values.shape, elements: block.ids)
    }

    /// Whether `values` are partial sums of the unrolled cell being read.
    func isUnrolledSum(_ values: ShapedArray<Int>) -> Bool {
        guard let first = values.elements.first, let terms = unrolled?.terms else { return false }
        return terms[first] != nil
    }

    /// A constant added to partial sums (a bias, or the first step's folded h_0 W_hh^T + b_hh).
    mutating func addToUnrolledSum(_ values: ShapedArray<Int>, _ constant: ShapedArray<Double>) throws(NodeProblem) -> ShapedArray<Int> {
        guard constant.elements.allSatisfy(\.isFinite) else { throw NodeProblem("the constant holds NaN or an infinity") }
        let (ids, constants) = try broadcast(values, constant)
        var terms: [UnrolledRecurrentLayer.Term] = []
        for (id, constant) in zip(ids.elements, constants.elements) {
            var sum = try term(id)
            sum.add(constant)
            terms.append(sum)
        }
        return try store(terms, shape: ids.shape)
    }

    /// x_t W_ih^T (+ b_ih) plus h_{t-1} W_hh^T (+ b_hh), element by element.
    mutating func addUnrolledSums(_ left: ShapedArray<Int>, _ right: ShapedArray<Int>) throws(NodeProblem) -> ShapedArray<Int> {
        guard isUnrolledSum(left), isUnrolledSum(right) else {
            throw NodeProblem("two values that depend on the input are added only inside an unrolled RNN cell (x_t W_ih^T + h_{t-1} W_hh^T)")
        }
        guard left.elements.count == right.elements.count else {
            throw NodeProblem("it adds partial sums of an unrolled RNN cell of shapes \(left.shape) and \(right.shape)")
        }
        let (a, b) = try broadcast(left, right)
        var terms: [UnrolledRecurrentLayer.Term] = []
        for (x, y) in zip(a.elements, b.elements) { terms.append(try term(x) + term(y)) }
        return try store(terms, shape: a.shape)
    }

    /// Tanh or Relu of whole steps' pre-activations: each step's output, [hidden] per step.
    mutating func activateUnrolledSum(_ values: ShapedArray<Int>, _ activation: RNNNonlinearity) throws(NodeProblem) -> ShapedArray<Int> {
        guard var layer = unrolled else { throw NodeProblem("no unrolled RNN cell is being read") }
        let width = layer.hiddenSize
        guard values.elements.count % width == 0 else {
            throw NodeProblem("it does not activate whole steps of an unrolled RNN cell (\(width) units each)")
        }
        unrolled = nil  // modified in place below, then put back
        var ids: [Int] = []
        for start in stride(from: 0, to: values.elements.count, by: width) {
            var row: [UnrolledRecurrentLayer.Term] = []
            for id in values.elements[start..<(start + width)] {
                guard let term = layer.terms[id] else { throw NodeProblem("it activates a step of an unrolled RNN cell together with something else") }
                row.append(term)
            }
            let output = allocate(.unrolledStep, count: width)
            try layer.addStep(row, activation, output: output)
            ids += output.ids
        }
        unrolled = layer
        return try ShapedArray(shape: values.shape, elements: ids)
    }

    /// `values` as the quantities the format names: once something outside the unrolled cell reads
    /// one of its step outputs, every direction must have run all T steps, the layer is added, and its
    /// step outputs are read as the layer's outputs from then on.
    mutating func settled(_ values: ShapedArray<Int>) throws(NodeProblem) -> ShapedArray<Int> {
        if let layer = unrolled, values.elements.contains(where: { id in
            table.block(containing: id).flatMap { layer.position(of: $0) } != nil
        }) {
            unrolled = nil
            let added = try addLayer(reading: layer.input, outputCount: layer.steps * layer.directions.count * layer.hiddenSize) {
                block throws(NodeProblem) in try layer.imported(output: block)
            }
            settledIDs.merge(layer.layerIDs(in: added.output)) { _, new in new }
        }
        guard !settledIDs.isEmpty else { return values }
        return try ShapedArray(shape: values.shape, elements: values.elements.map { settledIDs[$0] ?? $0 })
    }

    /// The term an id holds; refused when it is not a partial sum of the cell being read.
    private func term(_ id: Int) throws(NodeProblem) -> UnrolledRecurrentLayer.Term {
        guard let term = unrolled?.terms[id] else {
            throw NodeProblem("it mixes a partial sum of an unrolled RNN cell with something else")
        }
        return term
    }

    /// `terms` as a new block of partial sums of shape `shape`.
    private mutating func store(_ terms: [UnrolledRecurrentLayer.Term], shape: [Int]) throws(NodeProblem) -> ShapedArray<Int> {
        let block = allocate(.unrolledSum, count: terms.count)
        for (index, term) in terms.enumerated() { unrolled?.terms[block.base + index] = term }
        return try ShapedArray(shape: shape, elements: block.ids)
    }

    /// Both operands broadcast to their common shape, which must not repeat an element: a partial sum
    /// is one element per unit and step.
    private func broadcast<Other>(_ values: ShapedArray<Int>, _ other: ShapedArray<Other>) throws(NodeProblem) -> (ShapedArray<Int>, ShapedArray<Other>) {
        let shape = try ShapedArray<Int>.broadcastShape(values.shape, other.shape)
        guard try ShapedArray<Int>.count(of: shape) == values.elements.count else {
            throw NodeProblem("it broadcasts a partial sum of an unrolled RNN cell (shape \(values.shape)) to \(shape)")
        }
        return (try values.broadcast(to: shape), try other.broadcast(to: shape))
    }
}
