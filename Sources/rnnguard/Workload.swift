import SequenceModels

/// A workload of issue 11 ("live certificates at the sizes speech, text and video teams deploy"): the
/// model size it stands for and its one-core targets. `rnnguard bench` prints its targets table for every
/// model folder of one of these sizes (`TargetBenchmark`).
struct Workload: Sendable, Equatable {
    let name: String
    let summary: String
    /// The cells the issue names for it.
    let architectures: Set<Architecture>
    let layers: Int
    let steps: Int
    let inputSize: Int
    let hiddenSize: Int
    /// The threshold decision's p50 at the typical radius must stay below this.
    let decisionTargetMs: Double
    /// The anytime radius within `budgetMs` must reach this share of the full radius.
    let budgetShareTarget: Double
    let budgetMs: Double

    /// The table, in its order.
    static let all: [Workload] = [
        Workload(name: "W1", summary: "digits, RNN", architectures: [.rnn], layers: 1, steps: 8, inputSize: 8, hiddenSize: 32,
                 decisionTargetMs: 0.1, budgetShareTarget: 0.99, budgetMs: 1),
        Workload(name: "W2", summary: "text, LSTM", architectures: [.lstm], layers: 1, steps: 12, inputSize: 32, hiddenSize: 64,
                 decisionTargetMs: 2, budgetShareTarget: 0.9, budgetMs: 10),
        Workload(name: "W5", summary: "video features, GRU", architectures: [.gru], layers: 1, steps: 32, inputSize: 128, hiddenSize: 64,
                 decisionTargetMs: 5, budgetShareTarget: 0.8, budgetMs: 25),
        Workload(name: "W3", summary: "speech, 2 layers", architectures: [.gru, .lstm], layers: 2, steps: 50, inputSize: 40, hiddenSize: 64,
                 decisionTargetMs: 20, budgetShareTarget: 0.8, budgetMs: 100),
        Workload(name: "W4", summary: "long speech, LSTM", architectures: [.lstm], layers: 1, steps: 100, inputSize: 40, hiddenSize: 128,
                 decisionTargetMs: 50, budgetShareTarget: 0.5, budgetMs: 250),
    ]

    /// The workload a model stands for: its cell, layers, input and hidden size, and the length of its
    /// inputs as the table gives them (a bidirectional model of those sizes too, at twice the
    /// cost). Nil for any other model: an LSTM of W1's size costs several times W1's RNN, and the targets
    /// were set for the RNN.
    static func matching(_ manifest: ModelManifest, steps: Int) -> Workload? {
        all.first {
            $0.architectures.contains(manifest.architecture) && $0.layers == manifest.numLayers && $0.steps == steps
                && $0.inputSize == manifest.inputSize && $0.hiddenSize == manifest.hiddenSize
        }
    }
}
