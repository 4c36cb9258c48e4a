extension Duration {
    /// The duration in seconds, as one `Double` (timings in reports and JSON output).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
