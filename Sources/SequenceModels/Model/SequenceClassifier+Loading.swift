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
        var layers: [RecurrentLayer] = []
        for index in 0..<manifest.numLayers {
            layers.append(try RecurrentLayer(kind: kind, index: index,
                                             inputSize: index == 0 ? manifest.inputSize : manifest.hiddenSize,
                                             hiddenSize: manifest.hiddenSize, prefix: manifest.rnnPrefix, from: file))
        }
        let headWeight = try file.matrix(manifest.headPrefix + "weight", rows: manifest.numClasses,
                                         columns: manifest.hiddenSize)
        let biasName = manifest.headPrefix + "bias"
        let headBias = file.tensors[biasName] == nil ? nil : try file.tensor(biasName, shape: [manifest.numClasses])

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
                  head: LinearHead(weight: headWeight, bias: headBias))
    }
}
