/// The clock a running server uses: the monotonic system clock.
public struct SystemClock: ServerClock {
    public init() {}

    public func now() -> ContinuousClock.Instant { .now }
}
