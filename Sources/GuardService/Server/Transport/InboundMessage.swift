import Foundation

/// One request as a transport delivers it: who sent it and its frames (header, optional payload).
struct InboundMessage: Sendable {
    let peer: Peer
    let body: [Data]
    /// Where it came from: only the admin op reads it.
    var origin = Origin()
}
