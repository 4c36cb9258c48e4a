/// One input to a classifier, in any of the forms a client may send.
public enum ModelInput: Sendable, Equatable {
    /// T x input_size features (speech frames, video features, or already embedded words).
    case sequence([[Double]])
    /// Token ids, for models with an embedding.
    case tokens([Int])
    /// Raw text, for models with a vocabulary.
    case text(String)
}
