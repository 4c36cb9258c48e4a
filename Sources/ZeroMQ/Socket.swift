import CZeroMQ
import Foundation

/// A ZeroMQ socket with multipart send and receive.
///
/// libzmq sockets are not thread-safe: one thread at a time may use a socket. A socket may be created on
/// one thread and handed to another (the hand-off provides the memory barrier libzmq asks for), which
/// is why the type is `@unchecked Sendable`. Every socket is created with `ZMQ_LINGER` 0 so closing it
/// and terminating its context never blocks on unsent messages.
public final class Socket: @unchecked Sendable {
    /// Held so that the context outlives the socket.
    public let context: Context
    public let type: SocketType
    let handle: UnsafeMutableRawPointer
    private var isClosed = false

    public init(context: Context, type: SocketType) throws(ZeroMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZeroMQError.last("zmq_socket \(type)")
        }
        self.context = context
        self.type = type
        self.handle = handle
        try set(.linger(milliseconds: 0))
    }

    deinit { close() }

    /// Sets one option; see ``SocketOption``.
    public func set(_ option: SocketOption) throws(ZeroMQError) {
        if option.apply(to: handle) != 0 { throw ZeroMQError.last("zmq_setsockopt \(option.name)") }
    }

    /// Sets several options in order.
    public func set(_ options: [SocketOption]) throws(ZeroMQError) {
        for option in options { try set(option) }
    }

    public func bind(_ endpoint: String) throws(ZeroMQError) {
        if zmq_bind(handle, endpoint) != 0 { throw ZeroMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZeroMQError) {
        if zmq_connect(handle, endpoint) != 0 { throw ZeroMQError.last("connect \(endpoint)") }
    }

    /// Stops listening on `endpoint` (pass the resolved ``lastEndpoint`` for wildcard binds).
    public func unbind(_ endpoint: String) throws(ZeroMQError) {
        if zmq_unbind(handle, endpoint) != 0 { throw ZeroMQError.last("unbind \(endpoint)") }
    }

    /// The endpoint of the last bind or connect, with a wildcard port resolved
    /// (`tcp://127.0.0.1:*` becomes `tcp://127.0.0.1:41233`).
    public var lastEndpoint: String {
        get throws(ZeroMQError) {
            var buffer = [CChar](repeating: 0, count: 512)
            var size = buffer.count
            if zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
                throw ZeroMQError.last("zmq_getsockopt ZMQ_LAST_ENDPOINT")
            }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Sends `frames` as one multipart message (delivered all or nothing).
    ///
    /// - Parameter dontWait: fail fast instead of blocking when the send queue is full.
    /// - Returns: false when `dontWait` is set and the message could not be queued (`EAGAIN`), or a send
    ///   timeout expired; true when the message was queued.
    @discardableResult
    public func send(_ frames: [Data], dontWait: Bool = false) throws(ZeroMQError) -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            if index < frames.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if sent >= 0 { break }
                let error = ZeroMQError.last("zmq_send")
                if error.isInterrupted { continue }
                // Only the first frame can meet a full queue: later frames join an accepted message.
                if error.isAgain && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Sends a single-frame message.
    @discardableResult
    public func send(_ frame: Data, dontWait: Bool = false) throws(ZeroMQError) -> Bool {
        try send([frame], dontWait: dontWait)
    }

    /// Receives one whole multipart message.
    ///
    /// - Parameter dontWait: return at once when nothing is queued.
    /// - Returns: the frames, or nil when nothing arrived (`dontWait`, or `ZMQ_RCVTIMEO` expired).
    public func receive(dontWait: Bool = false) throws(ZeroMQError) -> [Data]? {
        try receive(dontWait: dontWait, properties: [])?.frames
    }

    /// Receives one whole multipart message and the named metadata properties of its connection (see
    /// `zmq_msg_gets`: "Peer-Address", "User-Id", ...); a property the connection lacks is left out.
    public func receive(dontWait: Bool = false, properties names: [String]) throws(ZeroMQError) -> (frames: [Data], properties: [String: String])? {
        var frames: [Data] = []
        var properties: [String: String] = [:]
        while true {
            let message = Message()
            // Frames of one message arrive together: only the first receive can find nothing.
            let flags: Int32 = frames.isEmpty && dontWait ? ZMQ_DONTWAIT : 0
            guard try message.receive(from: handle, flags: flags) else { return nil }
            // Frames from the wire carry the connection's metadata; a ROUTER's routing-id frame, made
            // locally, carries none, so look at every frame.
            for name in names where properties[name] == nil { properties[name] = message.property(name) }
            frames.append(message.data)
            if !message.hasMore { return (frames, properties) }
        }
    }

    /// Closes the socket now; later calls fail with `ENOTSOCK`-like errors. Also done by `deinit`.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        zmq_close(handle)
    }
}
