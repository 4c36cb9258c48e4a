import Foundation
import Logging

/// A swift-log handler that writes one JSON object per event (`time`, `level`, `label`, `message` and
/// the metadata as string fields), for log pipelines that parse structured lines. Every value goes
/// through `JSONSerialization`, so client strings cannot break a line or forge a field.
public struct JSONLinesLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let write: @Sendable (Data) -> Void

    /// Writes to standard error.
    public init(label: String) {
        self.init(label: label) { FileHandle.standardError.write($0) }
    }

    /// Writes each line (newline included) through `write`.
    public init(label: String, write: @escaping @Sendable (Data) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        fields["time"] = Date().formatted(.iso8601)
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        guard let json = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        write(json + Data("\n".utf8))
    }
}
