import Foundation

extension ModelInput {
    /// Why a JSON value is not a model input.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads the JSON forms every command and file accepts: an object with `"sequence"` (a list of lists
    /// of numbers), `"tokens"` (a list of integers) or `"text"` (a string), as `JSONSerialization` gives it.
    /// Other keys (a `label`, stored logits) are ignored.
    public init(jsonObject object: Any) throws(FormatError) {
        guard let dict = object as? [String: Any] else { throw FormatError(description: "input is not a JSON object") }
        if let sequence = dict["sequence"] {
            guard let rows = sequence as? [[NSNumber]] else {
                throw FormatError(description: "\"sequence\" must be a list of lists of numbers")
            }
            self = .sequence(rows.map { $0.map(\.doubleValue) })
        } else if let tokens = dict["tokens"] {
            guard let ids = tokens as? [NSNumber] else { throw FormatError(description: "\"tokens\" must be a list of integers") }
            self = .tokens(ids.map(\.intValue))
        } else if let text = dict["text"] {
            guard let string = text as? String else { throw FormatError(description: "\"text\" must be a string") }
            self = .text(string)
        } else {
            throw FormatError(description: "input needs one of \"sequence\", \"tokens\" or \"text\"")
        }
    }
}
