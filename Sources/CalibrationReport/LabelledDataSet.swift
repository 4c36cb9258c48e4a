import Foundation
import SequenceModels

/// A labelled data set: JSON lines, each an input in one of the forms the CLI reads (`sequence`,
/// `tokens`, `text`) and an integer `label` (the class index, 0-based). Blank lines are skipped; line
/// numbers are 1-based lines of the file.
public struct LabelledDataSet: Sendable {
    /// One usable line: the model's feature sequence, the input as given and its label.
    public struct Example: Sendable {
        public let line: Int
        public let input: ModelInput
        public let sequence: [[Double]]
        public let label: Int
    }

    public let examples: [Example]
    /// Lines that could not be used, in file order (empty unless read with `skipBad`).
    public let skipped: [DataSetError]

    /// Reads `data` for `model`. Without `skipBad` the first bad line throws; with it, bad lines are
    /// collected in `skipped` and the good ones kept. No usable line at all always throws.
    public init(data: Data, model: SequenceClassifier, skipBad: Bool) throws(DataSetError) {
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        var examples: [Example] = []
        var skipped: [DataSetError] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                examples.append(try Self.example(trimmed, line: index + 1, model: model))
            } catch {
                guard skipBad else { throw error }
                skipped.append(error)
            }
        }
        guard !examples.isEmpty else { throw .noExamples(skipped: skipped.count) }
        self.examples = examples
        self.skipped = skipped
    }

    /// Reads the file at `path`.
    public init(contentsOf path: String, model: SequenceClassifier, skipBad: Bool) throws(DataSetError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .cannotRead(path) }
        try self.init(data: data, model: model, skipBad: skipBad)
    }

    private static func example(_ text: String, line: Int, model: SequenceClassifier) throws(DataSetError) -> Example {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) else { throw .notJSON(line: line) }
        let input: ModelInput
        do {
            input = try ModelInput(jsonObject: object)
        } catch {
            throw .badInput(line: line, reason: error.description)
        }
        guard (object as? [String: Any])?["label"] != nil else { throw .noLabel(line: line) }
        // JSONDecoder takes whole numbers only (no booleans, strings or fractions) for an Int.
        guard let label = try? JSONDecoder().decode(LabelField.self, from: Data(text.utf8)).label else {
            throw .labelNotInteger(line: line)
        }
        guard (0..<model.numClasses).contains(label) else {
            throw .labelOutOfRange(line: line, label: label, classes: model.numClasses)
        }
        do {
            return Example(line: line, input: input, sequence: try model.sequence(for: input), label: label)
        } catch {
            if case let .wrongFeatureCount(step, expected, found) = error {
                throw .wrongWidth(line: line, step: step, expected: expected, found: found)
            }
            throw .badInput(line: line, reason: error.description)
        }
    }
}

private struct LabelField: Decodable {
    let label: Int
}

/// Why a data set, or one of its lines, cannot be used. Every line error names its line.
public enum DataSetError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(String)
    case notUTF8
    case noExamples(skipped: Int)
    case notJSON(line: Int)
    case noLabel(line: Int)
    case labelNotInteger(line: Int)
    case labelOutOfRange(line: Int, label: Int, classes: Int)
    case wrongWidth(line: Int, step: Int, expected: Int, found: Int)
    case badInput(line: Int, reason: String)

    /// The line the error is about, when it is about one.
    public var line: Int? {
        switch self {
        case .cannotRead, .notUTF8, .noExamples: return nil
        case let .notJSON(line), let .noLabel(line), let .labelNotInteger(line): return line
        case let .labelOutOfRange(line, _, _), let .wrongWidth(line, _, _, _), let .badInput(line, _): return line
        }
    }

    public var description: String {
        switch self {
        case let .cannotRead(path): return "cannot read data file \(path)"
        case .notUTF8: return "the data file is not UTF-8"
        case let .noExamples(skipped):
            return skipped == 0 ? "the data file has no examples" : "the data file has no usable example (\(skipped) bad lines)"
        case let .notJSON(line): return "line \(line): not JSON"
        case let .noLabel(line): return "line \(line): no \"label\""
        case let .labelNotInteger(line): return "line \(line): \"label\" must be an integer class index"
        case let .labelOutOfRange(line, label, classes):
            return "line \(line): label \(label) is out of range (the model has classes 0..\(classes - 1))"
        case let .wrongWidth(line, step, expected, found):
            return "line \(line): step \(step) has \(found) features, the model reads \(expected)"
        case let .badInput(line, reason): return "line \(line): \(reason)"
        }
    }
}
