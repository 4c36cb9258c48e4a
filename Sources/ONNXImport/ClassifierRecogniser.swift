import SequenceModels
/// The classifier being recognised while the graph is walked: which input it reads, its embedding,
/// recurrent layers, pooling and head so far. Each method is one recognised node; it checks, id by id,
/// that the node reads exactly the quantity the model-folder format feeds that stage, and returns the
/// ids of what the node computes.
struct ClassifierRecogniser {
    let steps: Int
    private(set) var table = ElementTable()
    let input: ElementTable.Block
    /// What the next recurrent layer must read, [T, width]: the features, the embedded tokens or the last
    /// layer's outputs; nil while token ids are not embedded yet.
    private(set) var sequence: ElementTable.Block?
    private(set) var embedding: ShapedArray<Double>?
    private(set) var layers: [ImportedRecurrentLayer] = []
    private(set) var pooling: Pooling?
    private(set) var head: [ImportedLinearLayer] = []
    /// The dynamo exporter's unrolled nn.RNN layer being read, until something outside its cell reads
    /// its outputs (set and read by `ClassifierRecogniser+Unrolled.swift`).
    var unrolled: UnrolledRecurrentLayer?
    /// Step-output ids of completed unrolled layers and the layer-output ids they are (`settled`).
    var settledIDs: [Int: Int] = [:]

    /// A model reading `width` features per step, or token ids when `width` is nil.
    init(steps: Int, featureWidth width: Int?) {
        self.steps = steps
        if let width {
            input = table.allocate(.features, count: steps * width)
            sequence = input
        } else {
            input = table.allocate(.tokens, count: steps)
        }
    }

    var sequenceWidth: Int { (sequence?.count ?? 0) / steps }

    /// Gather of token ids from a float table: the embedding.
    mutating func embed(table rows: ShapedArray<Double>, indices: ShapedArray<Int>) throws(NodeProblem) -> ShapedArray<Int> {
        guard embedding == nil, input.source == .tokens else { throw NodeProblem("an embedding lookup is only read from the token-id input, once") }
        guard rows.rank == 2, rows.shape[0] > 0, rows.shape[1] > 0 else { throw NodeProblem("the embedding table must be a 2-D float initializer") }
        let width = rows.shape[1]
        let block = table.allocate(.embedded, count: steps * width)
        var ids: [Int] = []
        for id in indices.elements {
            guard input.ids.contains(id) else { throw NodeProblem("the embedding lookup reads something other than the token ids") }
            ids += (0..<width).map { block.base + (id - input.base) * width + $0 }
        }
        embedding = rows
        sequence = block
        return try ShapedArray(shape: indices.shape + [width], elements: ids)
    }

    /// Registers a recurrent layer whose node reads `inputIDs` ([T, 1, I] in time order) and returns its
    /// output block. The reading must be the current sequence, element for element.
    mutating func addLayer(reading inputIDs: [Int], outputCount: Int,
                           make: (ElementTable.Block) throws(NodeProblem) -> ImportedRecurrentLayer) throws(NodeProblem) -> ImportedRecurrentLayer {
        guard let sequence else { throw NodeProblem("the recurrent layer reads token ids: an embedding lookup (Gather) must come first") }
        guard unrolled == nil else { throw NodeProblem("it comes inside an unrolled RNN cell whose steps are not all read yet") }
        guard inputIDs == sequence.ids else {
            throw NodeProblem(layers.isEmpty ? "its input is not the model's input sequence (batch first, in time order)"
                                             : "its input is not layer \(layers.count - 1)'s outputs in time order")
        }
        let block = table.allocate(.layer(layers.count), count: outputCount)
        let layer = try make(block)
        if let first = layers.first {
            guard layer.architecture == first.architecture, layer.nonlinearity == first.nonlinearity,
                  layer.hiddenSize == first.hiddenSize, layer.directions.count == first.directions.count else {
                throw NodeProblem("stacked layers must share architecture, nonlinearity, hidden size and direction")
            }
        }
        layers.append(layer)
        self.sequence = block
        return layer
    }

    /// A block of ids for a quantity outside the layers' outputs (an LSTM's cell state, a partial sum of
    /// an unrolled cell).
    mutating func allocate(_ source: ElementTable.Source, count: Int) -> ElementTable.Block {
        table.allocate(source, count: count)
    }

    /// ReduceMean / ReduceMax over one axis that must be time: every output element must reduce exactly
    /// one feature of the top layer over all T steps.
    mutating func pool(_ kind: Pooling, _ given: ShapedArray<Int>, axis: Int, keepDims: Bool) throws(NodeProblem) -> ShapedArray<Int> {
        let values = try settled(given)
        guard let top = layers.last, case .layer(let index)? = table.block(containing: values.elements.first ?? -1)?.source,
              index == layers.count - 1 else {
            throw NodeProblem("only the top recurrent layer's outputs are pooled over time")
        }
        let width = top.outputWidth
        let block = table.allocate(.pooled(kind, layer: index), count: width)
        var reducedShape = values.shape
        reducedShape[axis] = 1
        let strides = ShapedArray<Int>.strides(of: values.shape)
        let grouped = try ShapedArray(shape: values.shape, elements: Array(values.elements.indices))
            .mapped(to: reducedShape) { index in index.indices.reduce(0) { $0 + strides[$1] * index[$1] } }
        var ids: [Int] = []
        for start in grouped.elements {
            let group = (0..<values.shape[axis]).map { values.elements[start + $0 * strides[axis]] }
            let feature = (group.first ?? top.output.base) - top.output.base
            let column = feature % width
            guard group.sorted() == (0..<steps).map({ top.output.base + $0 * width + column }) else {
                throw NodeProblem("it does not reduce the top layer's outputs over the time axis")
            }
            ids.append(block.base + column)
        }
        return try ShapedArray(shape: keepDims ? reducedShape : reducedShape.enumerated().filter { $0.offset != axis }.map(\.element),
                               elements: ids)
    }

    /// A linear layer (Gemm or MatMul) on the head's input: the pooled top layer, its last step in
    /// PyTorch's h_n convention, or the previous head layer's output.
    /// Inside the dynamo exporter's unrolled nn.RNN cell, it is one of the cell's products instead.
    mutating func linear(_ given: ShapedArray<Int>, weight: [Double], outputs: Int, bias: [Double]?) throws(NodeProblem) -> ShapedArray<Int> {
        // h_{t-1} W_hh^T reads a step of an unrolled layer still running; anything else reading such a
        // step completes the layer first (`settled`), after which x_t W_ih^T may read it as a sequence.
        if let product = try hiddenProjection(given, weight: weight, outputs: outputs, bias: bias) { return product }
        let values = try settled(given)
        if let product = try inputProjection(values, weight: weight, outputs: outputs, bias: bias) { return product }
        guard let top = layers.last else {
            throw NodeProblem("it reads the input before any recurrent layer: recurrent layers are ONNX RNN, LSTM and GRU nodes, "
                              + "or an RNN cell unrolled over at least two steps from a MatMul of every step of its input")
        }
        guard let inputs = values.shape.last, values.shape.dropLast().allSatisfy({ $0 == 1 }), outputs > 0,
              weight.count == outputs * inputs else {
            throw NodeProblem("a head layer reads one vector (shape \(values.shape)) through a weight of \(outputs) rows")
        }
        if let previous = head.last {
            guard values.elements == previous.output.ids else { throw NodeProblem("it does not read the previous head layer's output") }
        } else {
            pooling = try headPooling(values.elements, top: top)
        }
        let block = table.allocate(.head(head.count), count: outputs)
        head.append(ImportedLinearLayer(inputs: inputs, outputs: outputs, weight: weight, bias: bias, activation: nil, output: block))
        return try ShapedArray(shape: values.shape.dropLast() + [outputs], elements: block.ids)
    }

    /// Which pooling of the top layer `top` the first head layer's input `ids` are.
    private func headPooling(_ ids: [Int], top: ImportedRecurrentLayer) throws(NodeProblem) -> Pooling {
        if let block = table.block(containing: ids.first ?? -1), case let .pooled(kind, layer) = block.source,
           layer == layers.count - 1, ids == block.ids {
            return kind
        }
        // PyTorch's h_n: the forward direction's last step, then the backward direction's first.
        let width = top.outputWidth, hidden = top.hiddenSize
        var last = (0..<hidden).map { top.output.base + (steps - 1) * width + $0 }
        if top.directions.count == 2 { last += (0..<hidden).map { top.output.base + hidden + $0 } }
        guard ids == last else {
            throw NodeProblem("the head's input is not the top layer's last step (h_n: forward last, backward first), nor its mean or max over time")
        }
        return .last
    }

    /// Add of a bias to the last head layer's output (MatMul + Add, as PyTorch exports a linear layer
    /// on a tensor of rank 3).
    mutating func addBias(_ values: ShapedArray<Int>, _ bias: ShapedArray<Double>) throws(NodeProblem) -> ShapedArray<Int> {
        if isUnrolledSum(values) { return try addToUnrolledSum(values, bias) }
        guard var layer = head.last, layer.bias == nil, layer.activation == nil, values.elements == layer.output.ids else {
            throw NodeProblem("an Add that depends on the input is read only as the bias of a MatMul head layer")
        }
        guard bias.elements.count == layer.outputs, bias.shape.dropLast().allSatisfy({ $0 == 1 }), bias.rank <= values.rank else {
            throw NodeProblem("bias of shape \(bias.shape) for \(layer.outputs) outputs")
        }
        layer.bias = bias.elements
        layer.output = table.allocate(.head(head.count - 1), count: layer.outputs)
        head[head.count - 1] = layer
        return try ShapedArray(shape: values.shape, elements: layer.output.ids)
    }

    /// Relu or Tanh after the last head layer.
    /// Inside an unrolled nn.RNN cell, it is one step's nonlinearity instead.
    mutating func activate(_ values: ShapedArray<Int>, _ activation: HeadActivation) throws(NodeProblem) -> ShapedArray<Int> {
        if isUnrolledSum(values) { return try activateUnrolledSum(values, activation == .relu ? .relu : .tanh) }
        guard var layer = head.last, layer.activation == nil, values.elements == layer.output.ids else {
            throw NodeProblem("an activation is read only right after a head layer (Gemm or MatMul)")
        }
        layer.activation = activation
        layer.output = table.allocate(.head(head.count - 1), count: layer.outputs)
        head[head.count - 1] = layer
        return try ShapedArray(shape: values.shape, elements: layer.output.ids)
    }
}
