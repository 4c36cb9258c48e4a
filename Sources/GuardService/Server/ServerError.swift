/// The server could not start: a socket could not bind, a model could not load, a file could not open.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
