/// Walks the graph's nodes in order for one sequence length. Nodes whose inputs are all constant are
/// evaluated (the shape plumbing); nodes that read the model's input are recognised by the
/// `ClassifierRecogniser` or, for layout operators, move element ids. Any other node is refused by name.
struct GraphInterpreter {
    private var values: [String: GraphValue]
    private(set) var recogniser: ClassifierRecogniser

    init(constants: [String: GraphValue], inputName: String, input: GraphValue, recogniser: ClassifierRecogniser) {
        values = constants
        values[inputName] = input
        self.recogniser = recogniser
    }

    /// Evaluates `nodes` (in the graph's order, which ONNX requires to be topological).
    mutating func run(_ nodes: [Onnx_NodeProto]) throws(ONNXImportError) {
        for node in nodes {
            let name = node.name.isEmpty ? (node.output.first ?? "?") : node.name
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw .unsupportedNode(name: name, op: node.opType, detail: "ops of domain \(node.domain) are not supported")
            }
            var inputs: [GraphValue?] = []
            for input in node.input {
                if input.isEmpty { inputs.append(nil); continue }
                guard let value = values[input] else {
                    throw .unsupportedNode(name: name, op: node.opType, detail: "input \(input) is produced by no earlier node, initializer or graph input")
                }
                inputs.append(value)
            }
            do {
                let outputs = try evaluate(node.opType, NodeAttributes(node), inputs)
                for (output, value) in zip(node.output, outputs) where !output.isEmpty { values[output] = value }
            } catch {
                throw .unsupportedNode(name: name, op: node.opType, detail: error.detail)
            }
        }
    }

    func value(_ name: String) -> GraphValue? { values[name] }

    private mutating func evaluate(_ op: String, _ attributes: NodeAttributes, _ inputs: [GraphValue?]) throws(NodeProblem) -> [GraphValue] {
        let symbolic = inputs.compactMap { value -> ShapedArray<Int>? in
            if case .symbolic(let ids)? = value { return ids }
            return nil
        }
        switch op {
        case "LSTM", "GRU", "RNN":
            return try recogniser.recurrent(op, attributes, inputs)
        case "Identity":
            return [try ConstantFolding.required(inputs, 0)]
        case "Gather":
            // Token ids looked up in a constant table: the embedding. Otherwise a layout operator.
            if inputs.count > 1, case .symbolic(let indices)? = inputs[1] {
                return [.symbolic(try recogniser.embed(table: ConstantFolding.required(inputs, 0).floats("the embedding table"), indices: indices))]
            }
            let data = try ConstantFolding.required(inputs, 0)
            return [try data.relaid(NodeLayout.operation(op, attributes, inputs, shape: data.shape))]
        case _ where NodeLayout.ops.contains(op):
            let data = try ConstantFolding.required(inputs, 0)
            return [try data.relaid(NodeLayout.operation(op, attributes, inputs, shape: data.shape))]
        case "Concat":
            return [try concatenate(inputs, axis: attributes.int("axis"))]
        case "Add" where symbolic.count == 2:
            // Two input-dependent values are added only inside an unrolled RNN cell: x_t W_ih^T + h_{t-1} W_hh^T.
            return [.symbolic(try recogniser.addUnrolledSums(symbolic[0], symbolic[1]))]
        case "Add" where !symbolic.isEmpty:
            guard symbolic.count == 1, let bias = inputs.first(where: { if case .floats? = $0 { true } else { false } }) ?? nil else {
                throw NodeProblem("an Add that depends on the input is read only as a constant bias or inside an unrolled RNN cell")
            }
            return [.symbolic(try recogniser.addBias(symbolic[0], bias.floats("the bias")))]
        case _ where ConstantFolding.ops.contains(op) && op != "Shape" && !symbolic.isEmpty:
            throw NodeProblem("\(op) of a value that depends on the input is not part of the supported classifiers")
        case _ where ConstantFolding.ops.contains(op):
            return [try ConstantFolding.evaluate(op, attributes, inputs)]
        case "Gemm", "MatMul":
            return [.symbolic(try linear(op, attributes, inputs))]
        case "Relu", "Tanh":
            guard let values = symbolic.first else { throw NodeProblem("\(op) of a constant is not part of the supported classifiers") }
            return [.symbolic(try recogniser.activate(values, op == "Relu" ? .relu : .tanh))]
        case "ReduceMean", "ReduceMax":
            guard let values = symbolic.first else { throw NodeProblem("\(op) of a constant is not part of the supported classifiers") }
            let given = try NodeLayout.optionalConstant(inputs, 1, "axes")?.elements
            let axes = attributes.ints("axes") ?? given ?? []
            guard axes.count == 1 else { throw NodeProblem("pooling reduces exactly one axis (time), not \(axes)") }
            let axis = try ShapedArray<Int>.axis(axes[0], rank: values.rank)
            let keepDims = try attributes.int("keepdims", default: 1, in: 0...1) == 1
            return [.symbolic(try recogniser.pool(op == "ReduceMean" ? .mean : .max, values, axis: axis, keepDims: keepDims))]
        default:
            throw NodeProblem("op \(op) is not supported: import-onnx reads an optional embedding (Gather), RNN/LSTM/GRU layers, "
                              + "ReduceMean/ReduceMax pooling and a Gemm/MatMul head with Relu/Tanh, plus shape plumbing")
        }
    }

    /// Concat of constants of one kind, or of element ids (h_n's directions, reordered layers).
    private func concatenate(_ inputs: [GraphValue?], axis: Int) throws(NodeProblem) -> GraphValue {
        let parts = inputs.compactMap { $0 }
        var floats: [ShapedArray<Double>] = [], integers: [ShapedArray<Int>] = [], ids: [ShapedArray<Int>] = []
        for part in parts {
            switch part {
            case .floats(let array): floats.append(array)
            case .integers(let array): integers.append(array)
            case .symbolic(let array): ids.append(array)
            }
        }
        if floats.count == parts.count { return .floats(try .concatenated(floats, axis: axis)) }
        if integers.count == parts.count { return .integers(try .concatenated(integers, axis: axis)) }
        if ids.count == parts.count { return .symbolic(try .concatenated(ids, axis: axis)) }
        throw NodeProblem("it concatenates constants with values that depend on the input")
    }

    /// Gemm (Y = alpha A B' + beta C with transB, as nn.Linear exports) or MatMul (A B) on the head's input.
    private mutating func linear(_ op: String, _ attributes: NodeAttributes, _ inputs: [GraphValue?]) throws(NodeProblem) -> ShapedArray<Int> {
        guard case .symbolic(let a)? = inputs.first else { throw NodeProblem("its first input must depend on the model's input") }
        let b = try ConstantFolding.required(inputs, 1).floats("B")
        guard b.rank == 2 else { throw NodeProblem("B of shape \(b.shape) is not a matrix") }
        guard b.elements.allSatisfy(\.isFinite) else { throw NodeProblem("B holds NaN or an infinity") }
        var transposed = false, alpha = 1.0
        var bias: [Double]?
        if op == "Gemm" {
            guard try attributes.int("transA", default: 0, in: 0...1) == 0 else { throw NodeProblem("transA = 1 is not supported") }
            transposed = try attributes.int("transB", default: 0, in: 0...1) == 1
            alpha = try attributes.float("alpha", default: 1)
            let beta = try attributes.float("beta", default: 1)
            if inputs.count > 2, let c = inputs[2] {
                let values = try c.floats("C")
                guard values.elements.allSatisfy(\.isFinite) else { throw NodeProblem("C holds NaN or an infinity") }
                let outputs = transposed ? b.shape[0] : b.shape[1]
                bias = try values.broadcast(to: [outputs]).elements.map { beta * $0 }
            }
        }
        // PyTorch's weight is outputs x inputs: B itself when transposed, else B's transpose.
        let weight = transposed ? b : try b.transposed([1, 0])
        return try recogniser.linear(a, weight: weight.elements.map { alpha * $0 }, outputs: weight.shape[0], bias: bias)
    }
}
