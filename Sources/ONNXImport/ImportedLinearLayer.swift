import SequenceModels
/// One head layer as PyTorch's `nn.Linear` holds it, with the activation that follows it, if any.
struct ImportedLinearLayer {
    let inputs: Int
    let outputs: Int
    /// outputs x inputs, row-major.
    let weight: [Double]
    var bias: [Double]?
    var activation: HeadActivation?
    /// The ids of its current output: after the bias once the bias is added, after the activation once applied.
    var output: ElementTable.Block
}
