import Foundation

/// A model request on its way from the I/O thread to a worker, with the routing envelope its reply needs.
struct Job: Sendable {
    /// The ROUTER frames that address the client (routing id, and the empty delimiter when present).
    let envelope: [Data]
    let request: Request
    let receivedAt: ContinuousClock.Instant
}
