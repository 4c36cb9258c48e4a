import Foundation

/// A text model's vocabulary (`vocab.json`: a JSON list of tokens, index = token id) and its tokenizer.
///
/// The tokenizer is the exporter's rule ("lower-alnum"): lowercase the text, then take maximal runs of
/// `a-z`, `0-9` and `'`. Words outside the vocabulary map to the unknown token.
public struct Vocabulary: Sendable {
    public let tokens: [String]
    public let unknownID: Int
    private let ids: [String: Int]

    public init(tokens: [String], unknownToken: String) throws(ModelError) {
        guard let unknownID = tokens.firstIndex(of: unknownToken) else {
            throw .invalidManifest("vocabulary has no unknown token \"\(unknownToken)\"")
        }
        self.tokens = tokens
        self.unknownID = unknownID
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
    }

    public init(contentsOf url: URL, unknownToken: String) throws(ModelError) {
        let list: [String]
        do {
            list = try JSONDecoder().decode([String].self, from: Data(contentsOf: url))
        } catch {
            throw .invalidManifest("vocabulary \(url.lastPathComponent) is missing or not a JSON list of strings")
        }
        try self.init(tokens: list, unknownToken: unknownToken)
    }

    /// The words of `text` under the "lower-alnum" rule.
    public static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "'" {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Token ids of `text`; unknown words become `unknownID`.
    public func encode(_ text: String) -> [Int] {
        Self.words(in: text).map { ids[$0] ?? unknownID }
    }
}
