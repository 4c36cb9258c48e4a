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
}
