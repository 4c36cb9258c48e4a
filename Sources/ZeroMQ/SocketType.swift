import CZeroMQ

/// A ZeroMQ socket pattern. A struct of static values rather than an enum because the `ZMQ_*` macros
/// import as `Int32` values, not literals.
public struct SocketType: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    let name: String

    public static let pair = SocketType(rawValue: ZMQ_PAIR, name: "PAIR")
    public static let req = SocketType(rawValue: ZMQ_REQ, name: "REQ")
    public static let rep = SocketType(rawValue: ZMQ_REP, name: "REP")
    public static let dealer = SocketType(rawValue: ZMQ_DEALER, name: "DEALER")
    public static let router = SocketType(rawValue: ZMQ_ROUTER, name: "ROUTER")
    public static let push = SocketType(rawValue: ZMQ_PUSH, name: "PUSH")
    public static let pull = SocketType(rawValue: ZMQ_PULL, name: "PULL")

    public var description: String { name }
}
