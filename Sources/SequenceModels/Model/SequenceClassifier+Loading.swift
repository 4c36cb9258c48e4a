import Foundation

extension SequenceClassifier {
    /// Loads a model folder: `model.json`, `model.safetensors` and, for text models, the vocabulary file.
    /// Every tensor is checked by name and shape before the model exists.
    public init(contentsOf folder: URL) throws(ModelError) {
        let manifest = try ModelManifest(contentsOf: folder.appendingPathComponent("model.json"))
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let kind: CellKind
        switch manifest.architecture {
        case .rnn: kind = .rnn(manifest.nonlinearity ?? .tanh)
        case .lstm: kind = .lstm
        case .gru: kind = .gru
        }
        // Sizes are at most 2^24 (the manifest checks), so these products cannot overflow.
        let directions = manifest.isBidirectional ? 2 : 1
        var layers: [RecurrentLayer] = [], reverseLayers: [RecurrentLayer] = []
        for index in 0..<manifest.numLayers {
            let inputSize = index == 0 ? manifest.inputSize : directions * manifest.hiddenSize
            for reverse in manifest.isBidirectional ? [false, true] : [false] {
                let layer = try RecurrentLayer(kind: kind, index: index, reverse: reverse, inputSize: inputSize,
                                               hiddenSize: manifest.hiddenSize, prefix: manifest.rnnPrefix, from: file)
                if reverse { reverseLayers.append(layer) } else { layers.append(layer) }
            }
        }
        let head = try Self.head(manifest, width: directions * manifest.hiddenSize, from: file)

        var embedding: Embedding?
        if let name = manifest.embedding {
            guard let info = file.tensors[name] else { throw .missingTensor(name) }
            guard info.shape.count == 2, info.shape[1] == manifest.inputSize else {
                throw .tensorShape(tensor: name, expected: [info.shape.first ?? 0, manifest.inputSize], found: info.shape)
            }
            embedding = Embedding(table: try file.matrix(name, rows: info.shape[0], columns: info.shape[1]))
        }
        var vocabulary: Vocabulary?
        if let vocabFile = manifest.vocab {
            guard embedding != nil else { throw .invalidManifest("vocab is given but embedding is not") }
            vocabulary = try Vocabulary(contentsOf: folder.appendingPathComponent(vocabFile),
                                        unknownToken: manifest.unknownToken ?? "<unk>")
        }
        self.init(manifest: manifest, embedding: embedding, vocabulary: vocabulary, layers: layers,
                  reverseLayers: reverseLayers, head: head)
    }

    /// The head's dense layers: each reads the previous one's width (the pooled width first); hidden
    /// widths come from the weights' shapes, the last must output `num_classes`.
    private static func head(_ manifest: ModelManifest, width: Int, from file: SafeTensorsFile) throws(ModelError) -> ClassifierHead {
        var layers: [ClassifierHead.Layer] = []
        var inputWidth = width
        for (index, spec) in manifest.headLayers.enumerated() {
            let name = spec.prefix + "weight"
            guard let info = file.tensors[name] else { throw .missingTensor(name) }
            let isLast = index == manifest.headLayers.count - 1
            let outputs = isLast ? manifest.numClasses : (info.shape.first ?? 0)
            guard info.shape.count == 2, (1...ModelManifest.maxSize).contains(outputs), info.shape[1] == inputWidth else {
                throw .tensorShape(tensor: name, expected: [isLast ? manifest.numClasses : (info.shape.first ?? 0), inputWidth],
                                   found: info.shape)
            }
            let weight = try file.matrix(name, rows: outputs, columns: inputWidth)
            let biasName = spec.prefix + "bias"
            let bias = file.tensors[biasName] == nil ? nil : try file.tensor(biasName, shape: [outputs])
            layers.append(ClassifierHead.Layer(weight: weight, bias: bias, activation: spec.activation?.function))
            inputWidth = outputs
        }
        return ClassifierHead(pooling: manifest.pooling ?? .last, layers: layers)
    }
}
