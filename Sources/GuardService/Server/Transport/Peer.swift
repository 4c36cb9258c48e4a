import Foundation

/// Who sent a request, as the transport needs it to address the reply. Opaque to the server core.
struct Peer: Hashable, Sendable {
    /// The frames that address the client, sent back in front of its reply (for ZeroMQ ROUTER: the
    /// routing id, and the empty delimiter when the request had one).
    let envelope: [Data]
}
