/// Two lines that enclose a scalar function on an interval [l, u]:
/// `lowerSlope * x + lowerIntercept <= f(x) <= upperSlope * x + upperIntercept` for every x in [l, u].
public struct LineBounds: Sendable, Equatable {
    public var lowerSlope: Double
    public var lowerIntercept: Double
    public var upperSlope: Double
    public var upperIntercept: Double

    public init(lowerSlope: Double, lowerIntercept: Double, upperSlope: Double, upperIntercept: Double) {
        self.lowerSlope = lowerSlope
        self.lowerIntercept = lowerIntercept
        self.upperSlope = upperSlope
        self.upperIntercept = upperIntercept
    }

    /// Both lines are the constant range [low, high]: always sound for a function whose range on the
    /// interval is known.
    public static func constant(low: Double, high: Double) -> LineBounds {
        LineBounds(lowerSlope: 0, lowerIntercept: low, upperSlope: 0, upperIntercept: high)
    }
}

/// A plane `x * a + y * b + c` in the two inputs of a cross-nonlinearity.
public struct Plane: Sendable, Equatable {
    public var a: Double
    public var b: Double
    public var c: Double

    public init(a: Double, b: Double, c: Double) {
        self.a = a
        self.b = b
        self.c = c
    }

    @inline(__always)
    public func callAsFunction(_ x: Double, _ y: Double) -> Double { a * x + b * y + c }
}

/// Two planes that enclose a function of two variables on a box: `lower(x, y) <= f(x, y) <= upper(x, y)`.
public struct PlaneBounds: Sendable, Equatable {
    public var lower: Plane
    public var upper: Plane
}

/// The box [xl, xu] x [yl, yu] on which a cross-nonlinearity is relaxed.
public struct Box: Sendable, Equatable {
    public var xl: Double
    public var xu: Double
    public var yl: Double
    public var yu: Double

    public init(xl: Double, xu: Double, yl: Double, yu: Double) {
        precondition(xl <= xu && yl <= yu, "empty box")
        self.xl = xl
        self.xu = xu
        self.yl = yl
        self.yu = yu
    }

    public var centre: (x: Double, y: Double) { ((xl + xu) / 2, (yl + yu) / 2) }
}
