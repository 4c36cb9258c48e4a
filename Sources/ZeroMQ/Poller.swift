import CZeroMQ

/// Events a ``Poller`` watches for and reports.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets at once (`zmq_poll`). Used by the thread that owns all of them.
public final class Poller {
    private var sockets: [Socket] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds `socket`; its results come back at the returned index.
    @discardableResult
    public func register(_ socket: Socket, for events: PollEvents = .readable) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Waits until a registered socket is ready or `timeout` ms pass (-1: forever).
    ///
    /// - Returns: the ready events per registered socket, in registration order; all empty after a
    ///   timeout or a signal.
    public func poll(timeout milliseconds: Int) throws(ZeroMQError) -> [PollEvents] {
        for index in items.indices { items[index].revents = 0 }
        let ready = items.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, Int32($0.count), milliseconds)
        }
        if ready < 0 {
            let error = ZeroMQError.last("zmq_poll")
            if error.isInterrupted { return Array(repeating: [], count: items.count) }
            throw error
        }
        return items.map { PollEvents(rawValue: $0.revents) }
    }
}
