/// A model request the server core admitted, on its way to a worker: who to answer and when it expires.
struct Job: Sendable {
    let peer: Peer
    let request: Request
    let receivedAt: ContinuousClock.Instant
    /// When the request stops being worth running (see `Request.deadline`); nil: no deadline.
    let deadline: ContinuousClock.Instant?
}
