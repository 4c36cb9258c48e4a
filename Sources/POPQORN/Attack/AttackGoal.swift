/// What the attack tries to make positive: `max_{j != label} y_j - y_label`, or `y_target - y_label`.
struct AttackGoal {
    let label: Int
    let target: Int?
    let classes: Int

    init(label: Int, target: Int?, classes: Int) {
        precondition((0..<classes).contains(label), "label \(label) is not a class of this model (0..<\(classes))")
        if let target {
            precondition((0..<classes).contains(target) && target != label,
                         "target \(target) is not another class of this model (0..<\(classes))")
        }
        precondition(classes >= 2, "a classifier with one class has no adversarial inputs")
        self.label = label
        self.target = target
        self.classes = classes
    }

    /// The margin and the class that attains it.
    func margin(_ logits: [Double]) -> (value: Double, rival: Int) {
        if let target { return (logits[target] - logits[label], target) }
        var rival = label == 0 ? 1 : 0
        for j in 0..<classes where j != label && logits[j] > logits[rival] { rival = j }
        return (logits[rival] - logits[label], rival)
    }

    /// Output weights `e_rival - e_label`, whose weighted logit sum is the margin.
    func weights(rival: Int) -> [Double] {
        var weights = [Double](repeating: 0, count: classes)
        weights[rival] = 1
        weights[label] = -1
        return weights
    }
}
