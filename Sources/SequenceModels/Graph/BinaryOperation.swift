/// f(x_k, y_k) at every position k of two inputs of the same size.
public struct BinaryOperation: GraphOperation {
    public let function: any PairwiseFunction.Type
    public let x: NodeID
    public let y: NodeID

    public var name: String { function.name }
    public var inputs: [NodeID] { [x, y] }
    public var relaxedOperands: [NodeID] { [x, y] }

    public func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        let (first, second) = (values[x], values[y])
        for k in out.indices { out[k] = function.value(first[k], second[k]) }
    }

    public func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?]) {
        let n = gradient.count
        var dx = [Double](repeating: 0, count: n), dy = dx
        for k in 0..<n {
            let (px, py) = function.partialDerivatives(values[x][k], values[y][k])
            dx[k] = gradient[k] * px
            dy[k] = gradient[k] * py
        }
        inputGradients.accumulate(dx, at: x)
        inputGradients.accumulate(dy, at: y)
    }
}
