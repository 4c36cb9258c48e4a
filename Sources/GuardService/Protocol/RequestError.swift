import GuardProtocol

/// A request that gets an error reply: its id (as far as it could be read), the code and the message.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public var id: RequestID
    public var code: ErrorCode
    public var message: String

    public init(id: RequestID, code: ErrorCode, _ message: String) {
        self.id = id
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Longest client text an error message repeats.
    static let excerptLength = 64

    /// `text`, shortened to ``excerptLength`` characters (marked with "..."), for repeating a client's
    /// value in an error message: a reply must stay small whatever the request held (a client that does
    /// not read may have 64 of them queued; docs/protocol.md, Guarantees).
    static func excerpt(_ text: String) -> String {
        text.count <= excerptLength ? text : String(text.prefix(excerptLength)) + "..."
    }
}
