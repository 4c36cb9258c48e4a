import SequenceModels

extension Certifier {
    /// One small bound computation on a two-step zero sequence, at load time. A process does some work once,
    /// on its first certificate: the Swift runtime's first lookups of each operation's bound verbs,
    /// OpenBLAS's setup, and first-touch page faults. That work is loading, not certification, and without a
    /// warm-up it lands inside the first request's budget (a whole millisecond on the digits RNN).
    public func warmUp() {
        let sequence = [[Double]](repeating: [Double](repeating: 0, count: model.inputSize), count: 2)
        guard let label = try? model.predict(sequence).label else { return }
        _ = try? CertifierLadder.standard(for: model).check(sequence, label: label, perturbation: Perturbation(norm: .linf),
                                                            epsilon: 1e-3, deadline: nil)
    }
}
