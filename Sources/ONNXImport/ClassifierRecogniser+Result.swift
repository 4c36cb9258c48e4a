import SequenceModels

/// The recognised classifier as a model folder's manifest and tensors.
extension ClassifierRecogniser {
    static let rnnPrefix = "rnn."
    static let embeddingName = "embedding.weight"

    /// Checks that `output` (the graph's output) is the head's logits and names every tensor as PyTorch
    /// does for `embedding` / `rnn` / `fc` (a single linear head) or `mlp` (an nn.Sequential of
    /// Linear and activation modules, hence the layer indices 0, 2, 4 ... with activations between).
    func result(output: ShapedArray<Int>, source: String) throws(ONNXImportError) -> ImportedClassifier {
        guard let top = layers.last, let first = layers.first, let pooling, let last = head.last else {
            throw .unsupportedGraph("the output is not computed by recurrent layers and a linear head")
        }
        guard output.elements == last.output.ids, output.shape.dropLast().allSatisfy({ $0 == 1 }) else {
            throw .unsupportedGraph("the graph's output is not the last head layer's output (the logits)")
        }
        guard last.activation == nil else { throw .unsupportedGraph("the logits pass through an activation") }
        var tensors: [SafeTensorsWriter.Tensor] = []
        if let embedding {
            tensors.append(.init(name: Self.embeddingName, shape: embedding.shape, values: embedding.elements))
        }
        for (k, layer) in layers.enumerated() {
            let rows = layer.weightRows
            for (d, direction) in layer.directions.enumerated() {
                let suffix = "_l\(k)" + (d == 1 ? "_reverse" : "")
                tensors.append(.init(name: Self.rnnPrefix + "weight_ih" + suffix, shape: [rows, layer.inputSize], values: direction.weightIH))
                tensors.append(.init(name: Self.rnnPrefix + "weight_hh" + suffix, shape: [rows, layer.hiddenSize], values: direction.weightHH))
                if let (ih, hh) = direction.biases {
                    tensors.append(.init(name: Self.rnnPrefix + "bias_ih" + suffix, shape: [rows], values: ih))
                    tensors.append(.init(name: Self.rnnPrefix + "bias_hh" + suffix, shape: [rows], values: hh))
                }
            }
        }
        let single = head.count == 1
        var entries: [HeadLayerSpec] = []
        var index = 0
        for layer in head {
            let prefix = single ? "fc." : "mlp.\(index)."
            tensors.append(.init(name: prefix + "weight", shape: [layer.outputs, layer.inputs], values: layer.weight))
            if let bias = layer.bias { tensors.append(.init(name: prefix + "bias", shape: [layer.outputs], values: bias)) }
            entries.append(.init(prefix: prefix, activation: layer.activation))
            index += layer.activation == nil ? 1 : 2
        }
        let manifest = ModelManifest(
            architecture: first.architecture, nonlinearity: first.nonlinearity, inputSize: first.inputSize,
            hiddenSize: first.hiddenSize, numLayers: layers.count, numClasses: last.outputs, rnnPrefix: Self.rnnPrefix,
            headPrefix: single ? "fc." : nil, embedding: embedding == nil ? nil : Self.embeddingName,
            bidirectional: top.directions.count == 2, pooling: pooling, head: single ? nil : entries)
        return ImportedClassifier(manifest: manifest, source: source, tensors: tensors)
    }
}
