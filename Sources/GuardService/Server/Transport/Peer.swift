import Foundation

/// Who sent a request, as the transport needs it to address the reply. Opaque to the server core.
struct Peer: Hashable, Sendable {
    /// The frames that address the client, sent back in front of its reply (for ZeroMQ ROUTER: the
    /// routing id, and the empty delimiter when the request had one; through a proxy, the proxy's id first).
    let envelope: [Data]
    /// Which of the transport's sockets the request came in on, so the reply leaves on the same one.
    let route: Int

    init(envelope: [Data], route: Int = 0) {
        self.envelope = envelope
        self.route = route
    }
}
