/// Frame `step` of the input sequence.
public struct InputOperation: GraphOperation {
    public let step: Int

    public var name: String { "input" }
    public var inputs: [NodeID] { [] }
    public var relaxedOperands: [NodeID] { [] }

    public func evaluate(_ values: NodeValues, sequence: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        _ = out.update(fromContentsOf: sequence[step])
    }

    /// An input has no inputs; the graph's gradient reads the input node's own slot.
    public func pullback(_ gradient: [Double], values: [[Double]], into inputGradients: inout [[Double]?]) {}
}
