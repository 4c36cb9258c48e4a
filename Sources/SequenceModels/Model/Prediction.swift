import Foundation

/// The classifier's answer for one input.
public struct Prediction: Sendable, Equatable {
    public let label: Int
    public let labelName: String?
    public let logits: [Double]
    public let probabilities: [Double]

    public init(logits: [Double], labels: [String]?) {
        let best = logits.indices.max { logits[$0] < logits[$1] } ?? 0
        self.label = best
        self.labelName = labels.flatMap { best < $0.count ? $0[best] : nil }
        self.logits = logits
        self.probabilities = Self.softmax(logits)
    }

    /// Softmax shifted by the largest logit so that no exponential overflows.
    static func softmax(_ logits: [Double]) -> [Double] {
        guard let top = logits.max() else { return [] }
        let exps = logits.map { exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}
