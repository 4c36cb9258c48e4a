/// A failure inside one node's evaluation, before the interpreter knows which node it was: the
/// interpreter turns it into `ONNXImportError.unsupportedNode` with the node's name and op type.
struct NodeProblem: Error {
    let detail: String

    init(_ detail: String) {
        self.detail = detail
    }
}
