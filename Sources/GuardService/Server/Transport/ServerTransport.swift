import Foundation

/// The server's edge: where requests come from and replies go. ``ServerLoop`` drives it from one thread;
/// the ZeroMQ ROUTER socket is the real one, tests use an in-memory one.
protocol ServerTransport: AnyObject, Sendable {
    /// Waits up to `timeout` until a message arrives or ``wake()`` is called, then returns what has
    /// arrived, at most `limit` messages (possibly none). A zero timeout does not wait.
    func receive(limit: Int, timeout: Duration) throws -> [InboundMessage]

    /// Sends one reply frame to `peer`. Never blocks; a reply that cannot be delivered (the client left,
    /// or does not read its replies) is dropped and logged by the transport.
    func send(_ reply: Data, to peer: Peer)

    /// Ends a waiting ``receive(limit:timeout:)`` early. Any thread may call it: workers do when a job
    /// is done.
    func wake()
}
