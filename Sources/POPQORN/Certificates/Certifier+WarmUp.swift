import SequenceModels

extension Certifier {
    /// One bound computation and one linearised radius on a zero sequence of `length` steps: the paths an
    /// anytime radius and a threshold decision take first. A process does some work once, on its first
    /// certificate: the Swift runtime's first lookups of each operation's bound and gradient verbs,
    /// OpenBLAS's setup, and first-touch page faults as the heap grows to a computation's working set.
    /// That work is loading, not certification, and without a warm-up it lands inside the first request's
    /// budget (a whole millisecond on the digits RNN). The sidecar warms up at load with a short
    /// sequence; `certify --budget-ms` at each input length it meets, so the heap has grown to that
    /// length's working set before the budget starts.
    public func warmUp(length: Int = 2) {
        let sequence = [[Double]](repeating: [Double](repeating: 0, count: model.inputSize), count: max(1, length))
        guard let label = try? model.predict(sequence).label else { return }
        let perturbation = Perturbation(norm: .linf)
        let ladder = CertifierLadder.standard(for: model)
        _ = try? ladder.rungs.first?.linearizedRadius(sequence, label: label, perturbation: perturbation, target: nil)
        _ = try? ladder.check(sequence, label: label, perturbation: perturbation, epsilon: 1e-3, deadline: nil)
    }
}
