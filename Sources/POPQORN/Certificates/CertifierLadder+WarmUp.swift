import SequenceModels

extension CertifierLadder {
    /// One linearised radius and one climb on a zero sequence of `length` steps: the paths an anytime
    /// radius and a threshold decision take first. A process does some work once, on its first
    /// certificate: the Swift runtime's first lookups of each operation's bound and gradient verbs,
    /// OpenBLAS's setup, first-touch page faults as the heap grows to a check's working set, and the tanh
    /// and sigmoid tangent tables (`TangentPoints`). That work is loading, not certification, and without
    /// a warm-up it lands inside the first request's budget.
    ///
    /// The length matters where a method's work changes with it: a zonotope reduces its symbols only once
    /// a state holds more than it keeps, and a longer sequence needs more heap. A two-step warm-up left the
    /// first zonotope:128 check of an 8-step digits input at 0.8-1.4 ms in a fresh process, against about
    /// 0.6 ms for the next ones; one at the input's length brought it to a median of 0.69 ms
    /// (docs/performance.md, ninth session). `budget` caps the climb, so a long sequence warms up
    /// partially rather than for seconds.
    public func warmUp(length: Int = 2, budget: Duration = .milliseconds(50)) {
        guard let model = rungs.first?.model, length > 0 else { return }
        let deadline = ContinuousClock.now + budget
        let sequence = [[Double]](repeating: [Double](repeating: 0, count: model.inputSize), count: length)
        guard let label = try? model.predict(sequence).label else { return }
        let perturbation = Perturbation(norm: .linf)
        _ = try? rungs.first?.linearizedRadius(sequence, label: label, perturbation: perturbation, target: nil)
        _ = try? check(sequence, label: label, perturbation: perturbation, epsilon: 1e-3, deadline: deadline)
        // Built on first use, which the zero sequence need not reach (no interval of it may cross 0).
        _ = (Tanh.tangentPoints, Sigmoid.tangentPoints)
    }
}
