extension SequenceClassifier {
    /// The model in a few labelled lines (architecture, layers, head, input, classes, parameters), as
    /// `rnnguard inspect` and calibration reports show it.
    public var summary: [(key: String, value: String)] {
        let nonlinearity = manifest.architecture == .rnn ? " (\((manifest.nonlinearity ?? .tanh).rawValue))" : ""
        let head = head.layers.map { "\($0.weight.columns)->\($0.weight.rows)" + ($0.activation.map { " \($0.name)" } ?? "") }
        return [
            ("architecture", manifest.architecture.rawValue + nonlinearity),
            ("layers", "\(manifest.numLayers) x hidden \(manifest.hiddenSize)" + (manifest.isBidirectional ? ", bidirectional" : "")),
            ("head", "\((manifest.pooling ?? .last).rawValue) over time, then " + head.joined(separator: ", ")),
            ("input size", "\(manifest.inputSize)" + (embedding.map { " (embedding of \($0.vocabularySize) tokens)" } ?? "")),
            ("classes", "\(manifest.numClasses)" + (manifest.labels.map { ": " + $0.joined(separator: ", ") } ?? "")),
            ("parameters", "\(parameterCount)"),
        ]
    }
}
