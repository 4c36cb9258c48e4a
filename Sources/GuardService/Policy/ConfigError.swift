/// A configuration that cannot be served, with the path of the offending key and what is wrong,
/// e.g. `models[1].decide.refuse_below must be <= accept_at_or_above`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The whole message, starting with the key path (or the file, for problems reading it).
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
