/// A closed interval with the two operations the verified plane offsets need.
public struct Interval: Sendable {
    public var low: Double
    public var high: Double

    public static func * (p: Interval, q: Interval) -> Interval {
        let products = (p.low * q.low, p.low * q.high, p.high * q.low, p.high * q.high)
        return Interval(low: min(min(products.0, products.1), min(products.2, products.3)),
                        high: max(max(products.0, products.1), max(products.2, products.3)))
    }

    /// The largest absolute value in the interval.
    public var magnitude: Double { max(abs(low), abs(high)) }
}

extension Interval {
    public init(_ low: Double, _ high: Double) {
        self.init(low: low, high: high)
    }
}
