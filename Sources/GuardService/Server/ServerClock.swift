/// Where the server reads the time: arrival of requests, deadlines, queue waits, handling times and
/// uptime. Injected, so that tests substitute a clock they advance by hand and deadline tests need no
/// sleeps.
public protocol ServerClock: Sendable {
    func now() -> ContinuousClock.Instant
}
