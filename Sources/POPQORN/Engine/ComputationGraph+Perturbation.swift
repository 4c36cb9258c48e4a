import SequenceModels

extension ComputationGraph {
    /// Which nodes some perturbed frame reaches; the others are constants the passes fold in at once.
    func perturbedNodes(_ isPerturbed: (Int) -> Bool) -> [Bool] {
        var reached: [Bool] = []
        reached.reserveCapacity(nodes.count)
        for node in nodes {
            if let input = node.operation as? InputOperation {
                reached.append(isPerturbed(input.step))
            } else {
                reached.append(node.operation.inputs.contains { reached[$0] })
            }
        }
        return reached
    }
}
