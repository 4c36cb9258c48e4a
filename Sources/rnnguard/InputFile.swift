import ArgumentParser
import Foundation
import SequenceModels

/// Reads the CLI's input files: one JSON object (`{"sequence": [[...]]}`, `{"tokens": [...]}` or
/// `{"text": "..."}`), or JSON lines with one such object per line. `-` is standard input.
enum InputFile {
    struct Entry {
        let line: Int
        let input: Result<ModelInput, InputError>
    }

    struct InputError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws -> [Entry] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw InputError(description: "cannot read input file \(path)")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(description: "input is not UTF-8") }
        // A whole-file JSON object is one input, even when pretty-printed over many lines.
        if let whole = try? JSONSerialization.jsonObject(with: data), whole is [String: Any] {
            return [Entry(line: 1, input: parse(whole))]
        }
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))
            entries.append(Entry(line: index + 1, input: object.map(parse)
                                 ?? .failure(InputError(description: "line \(index + 1) is not JSON"))))
        }
        guard !entries.isEmpty else { throw InputError(description: "input file has no inputs") }
        return entries
    }

    /// Runs `body` on every input of `path` in order. A failing input prints a one-line error (and, in a
    /// JSON-lines run, an `{"error": ...}` line so outputs stay aligned with inputs); the command then
    /// exits 1 after the rest are done. An unreadable file exits 2 at once.
    static func forEach(in path: String, _ body: (ModelInput) throws -> Void, progress: ((Int, Int) -> Void)? = nil) throws {
        let entries: [Entry]
        do { entries = try read(path) } catch {
            JSONOutput.error("\(error)")
            throw ExitCode(2)
        }
        var failures = 0
        for (index, entry) in entries.enumerated() {
            do {
                try body(entry.input.get())
            } catch {
                failures += 1
                let prefix = entries.count > 1 ? "line \(entry.line): " : ""
                JSONOutput.error(prefix + "\(error)")
                if entries.count > 1 { try JSONOutput.line(["error": prefix + "\(error)"]) }
            }
            progress?(index + 1, entries.count)
        }
        if failures > 0 { throw ExitCode(1) }
    }

    static func parse(_ object: Any) -> Result<ModelInput, InputError> {
        Result { () throws(ModelInput.FormatError) in try ModelInput(jsonObject: object) }
            .mapError { InputError(description: $0.description) }
    }
}
