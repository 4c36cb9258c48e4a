import CZeroMQ
import Foundation
import Synchronization

/// libzmq's built-in proxy (`zmq_proxy_steerable`) between a frontend and a backend socket, with its
/// control socket wrapped so that only the commands libzmq knows can be sent.
///
/// libzmq 4.3 asserts (aborts the process) on an unknown control command, and answers only
/// `STATISTICS`, so the control end is a PAIR (a REP would wait for a reply that never comes) and the
/// commands are a closed set here. ``run()`` blocks its thread; ``terminate()`` and
/// ``statistics(timeoutMilliseconds:)`` may be called from any other thread (they share the control
/// socket behind a lock).
public final class SteerableProxy: @unchecked Sendable {
    /// One side's counters as libzmq keeps them: a multipart message counts once, its bytes are the sum of
    /// its frames.
    public struct Traffic: Sendable, Equatable {
        public var messagesIn: UInt64
        public var bytesIn: UInt64
        public var messagesOut: UInt64
        public var bytesOut: UInt64
    }

    /// The answer to `STATISTICS`: counts since ``run()`` started.
    public struct Statistics: Sendable, Equatable {
        public var frontend: Traffic
        public var backend: Traffic

        /// Reads libzmq's reply: eight frames, each one `uint64_t` in host byte order (frontend messages
        /// in, bytes in, messages out, bytes out, then the backend's), or nil for anything else.
        init?(frames: [Data]) {
            guard frames.count == 8, frames.allSatisfy({ $0.count == MemoryLayout<UInt64>.size }) else { return nil }
            let values = frames.map { frame in
                frame.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            }
            frontend = Traffic(messagesIn: values[0], bytesIn: values[1], messagesOut: values[2], bytesOut: values[3])
            backend = Traffic(messagesIn: values[4], bytesIn: values[5], messagesOut: values[6], bytesOut: values[7])
        }
    }

    /// The commands rnnguard sends (libzmq also knows `PAUSE` and `RESUME`).
    private enum Command: String {
        case terminate = "TERMINATE", statistics = "STATISTICS"
    }

    private let frontend: Socket
    private let backend: Socket
    /// The proxy's end of the control pair, read by libzmq inside ``run()``.
    private let proxyEnd: Socket
    /// Our end, shared by the threads that steer the proxy.
    private let control: Mutex<Socket>

    /// Prepares a proxy between two sockets of the same context; neither may be used elsewhere once
    /// ``run()`` starts.
    public init(frontend: Socket, backend: Socket) throws(ZeroMQError) {
        self.frontend = frontend
        self.backend = backend
        let endpoint = "inproc://zeromq-proxy-control-\(UUID().uuidString)"
        proxyEnd = try Socket(context: frontend.context, type: .pair)
        try proxyEnd.bind(endpoint)
        let ours = try Socket(context: frontend.context, type: .pair)
        try ours.connect(endpoint)
        control = Mutex(ours)
    }

    /// Moves messages both ways until ``terminate()`` (returns normally) or the context is shut down
    /// (throws with ``ZeroMQError/isContextTerminated``). Blocks the calling thread; call it once.
    public func run() throws(ZeroMQError) {
        while zmq_proxy_steerable(frontend.handle, backend.handle, nil, proxyEnd.handle) != 0 {
            let error = ZeroMQError.last("zmq_proxy_steerable")
            // A signal interrupts the proxy's poll; the sockets are intact, so it simply continues.
            if !error.isInterrupted { throw error }
        }
    }

    /// Makes ``run()`` return. Sent before ``run()`` starts, it ends the proxy as soon as it starts.
    public func terminate() throws(ZeroMQError) { try send(.terminate) }

    /// The proxy's counters, or nil when it did not answer within `timeoutMilliseconds` (it is not
    /// running yet, or has ended).
    public func statistics(timeoutMilliseconds: Int32) throws(ZeroMQError) -> Statistics? {
        try control.withLock { socket throws(ZeroMQError) -> Statistics? in
            // A reply that came after an earlier call gave up would be read as this one's: drop it first.
            while try socket.receive(dontWait: true) != nil {}
            try socket.send(Data(Command.statistics.rawValue.utf8))
            try socket.set(.receiveTimeout(milliseconds: timeoutMilliseconds))
            return try socket.receive().flatMap(Statistics.init(frames:))
        }
    }

    private func send(_ command: Command) throws(ZeroMQError) {
        try control.withLock { socket throws(ZeroMQError) in _ = try socket.send(Data(command.rawValue.utf8)) }
    }

    /// Closes the control pair (the frontend and backend belong to the caller). Call after ``run()`` returned.
    public func close() {
        proxyEnd.close()
        control.withLock { $0.close() }
    }
}
