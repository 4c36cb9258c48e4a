/// Everything that can go wrong between a model folder on disk and a logit vector.
///
/// Each case carries what a person needs to fix the problem (the tensor, the expected and the found shape,
/// the offending step and feature) and prints as one line.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case corruptSafetensors(String)
    case unsupportedDType(tensor: String, dtype: String)
    case missingTensor(String)
    case tensorShape(tensor: String, expected: [Int], found: [Int])
    case invalidManifest(String)
    case emptySequence
    case wrongFeatureCount(step: Int, expected: Int, found: Int)
    case nonFiniteInput(step: Int, feature: Int)
    case unknownToken(position: Int, id: Int, vocabularySize: Int)
    case noEmbedding
    case noVocabulary
    case nonFiniteWeight(tensor: String, index: Int)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason): return "cannot read \(path): \(reason)"
        case let .corruptSafetensors(detail): return "corrupt safetensors file: \(detail)"
        case let .unsupportedDType(tensor, dtype): return "tensor \(tensor) has unsupported dtype \(dtype) (F32, F64, F16, BF16 are read)"
        case let .missingTensor(name): return "tensor \(name) is missing from model.safetensors"
        case let .tensorShape(tensor, expected, found):
            return "tensor \(tensor) has shape \(found), expected \(expected)"
        case let .invalidManifest(detail): return "invalid model.json: \(detail)"
        case .emptySequence: return "the input sequence is empty (at least one step is needed)"
        case let .wrongFeatureCount(step, expected, found):
            return "step \(step) has \(found) features, the model's input_size is \(expected)"
        case let .nonFiniteInput(step, feature): return "input step \(step) feature \(feature) is NaN or infinite"
        case let .unknownToken(position, id, size):
            return "token \(position) has id \(id), outside the vocabulary of \(size)"
        case .noEmbedding: return "the model has no embedding layer: give a sequence of feature vectors, not tokens"
        case .noVocabulary: return "the model has no vocabulary: give token ids or a sequence, not text"
        case let .nonFiniteWeight(tensor, index): return "tensor \(tensor) holds NaN or an infinity (element \(index))"
        }
    }
}
