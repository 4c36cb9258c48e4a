extension BoundGraph {
    /// Every node's value at the unperturbed input: the centre the bounds are built around, and the
    /// exact value of nodes that no perturbed frame reaches.
    func evaluate(_ sequence: [[Double]]) -> [[Double]] {
        var values: [[Double]] = []
        values.reserveCapacity(nodes.count)
        for node in nodes {
            switch node.operation {
            case .input(let step):
                values.append(sequence[step])
            case let .affine(terms, bias):
                var out = bias
                for term in terms {
                    switch term.map {
                    case .dense(let m):
                        let product = m.times(values[term.node])
                        for k in 0..<out.count { out[k] += product[k] }
                    case .identity:
                        for k in 0..<out.count { out[k] += values[term.node][k] }
                    }
                }
                values.append(out)
            case let .unary(op, source):
                values.append(values[source].map { op.value($0) })
            case let .binary(op, x, y):
                values.append(zip(values[x], values[y]).map { op.value($0, $1) })
            }
        }
        return values
    }

    /// Which nodes some perturbed frame reaches; the others are constants the passes fold in at once.
    func perturbedNodes(_ isPerturbed: (Int) -> Bool) -> [Bool] {
        var reached: [Bool] = []
        reached.reserveCapacity(nodes.count)
        for node in nodes {
            switch node.operation {
            case .input(let step): reached.append(isPerturbed(step))
            case .affine(let terms, _): reached.append(terms.contains { reached[$0.node] })
            case .unary(_, let source): reached.append(reached[source])
            case let .binary(_, x, y): reached.append(reached[x] || reached[y])
            }
        }
        return reached
    }
}
