/// The outcome of an attack's radius search: the smallest eps at which it found a misclassified input, and
/// that input. `epsilon` is an upper bound on the minimum adversarial distortion; a certified radius above
/// it is unsound, and `counterexample` is the proof.
public struct AttackResult: Sendable {
    public let epsilon: Double
    /// A point of the perturbation set of radius `epsilon` that the model misclassifies (verified by a
    /// forward pass when it was found).
    public let counterexample: [[Double]]
}
