/// A worker's report on one job: the outcome to send and record, and how long the worker spent on it.
struct JobCompletion: Sendable {
    let peer: Peer
    let outcome: RequestOutcome
    let busySeconds: Double
}
