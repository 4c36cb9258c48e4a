/// How the top layer's outputs become the head's input (`pooling` in model.json).
public enum Pooling: String, Codable, Sendable {
    case last, mean, max
}
