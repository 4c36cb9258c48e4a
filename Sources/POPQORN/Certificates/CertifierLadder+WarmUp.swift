import SequenceModels

extension CertifierLadder {
    /// One linearised radius and one climb on a two-step zero sequence, at load time: the paths an anytime
    /// radius and a threshold decision take first. A process does some work once, on its first
    /// certificate: the Swift runtime's first lookups of each operation's bound and gradient verbs,
    /// OpenBLAS's setup, first-touch page faults, and the tanh and sigmoid tangent tables
    /// (`TangentPoints`). That work is loading, not certification, and without
    /// a warm-up it lands inside the first request's budget (a whole millisecond on the digits RNN).
    public func warmUp() {
        guard let model = rungs.first?.model else { return }
        let sequence = [[Double]](repeating: [Double](repeating: 0, count: model.inputSize), count: 2)
        guard let label = try? model.predict(sequence).label else { return }
        let perturbation = Perturbation(norm: .linf)
        _ = try? rungs.first?.linearizedRadius(sequence, label: label, perturbation: perturbation, target: nil)
        _ = try? check(sequence, label: label, perturbation: perturbation, epsilon: 1e-3, deadline: nil)
        // Built on first use, which the zero sequence need not reach (no interval of it may cross 0).
        _ = (Tanh.tangentPoints, Sigmoid.tangentPoints)
    }
}
