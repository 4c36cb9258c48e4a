import Foundation

/// One request as a transport delivers it: who sent it and its frames (header, optional payload).
struct InboundMessage: Sendable {
    let peer: Peer
    let body: [Data]
}
