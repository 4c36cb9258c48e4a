/// The activation after a head layer (`activation` of a `head` entry in model.json).
public enum HeadActivation: String, Codable, Sendable {
    case relu, tanh
}
