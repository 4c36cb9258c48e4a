/// f(x) on every neuron of one input.
public struct UnaryOperation: GraphOperation {
    public let function: any ElementwiseFunction.Type
    public let source: NodeID

    public var name: String { function.name }
    public var inputs: [NodeID] { [source] }
    public var relaxedOperands: [NodeID] { [source] }

    public func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        let x = values[source]
        for k in out.indices { out[k] = function.value(x[k]) }
    }

    public func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?]) {
        let x = values[source]
        inputGradients.accumulate(x.indices.map { gradient[$0] * function.derivative(x[$0]) }, at: source)
    }
}
