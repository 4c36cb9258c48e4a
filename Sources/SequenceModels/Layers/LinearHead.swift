/// The classifier head `y = W h_T + b` on the top layer's last hidden state.
public struct LinearHead: Sendable {
    public let weight: Matrix
    public let bias: [Double]

    public init(weight: Matrix, bias: [Double]?) {
        self.weight = weight
        self.bias = bias ?? [Double](repeating: 0, count: weight.rows)
    }

    public func callAsFunction(_ hidden: [Double]) -> [Double] {
        var logits = weight.times(hidden)
        for k in 0..<logits.count { logits[k] += bias[k] }
        return logits
    }
}
