/// An element-wise nonlinearity the bound engine can relax: each conforming type is one file in
/// `Operators/`, so a new activation is a new file, not an edit across the engine.
public protocol UnaryOperator: Sendable {
    /// A name for logs and test reports.
    static var name: String { get }
    static func value(_ x: Double) -> Double
    /// Sound lines on [l, u] (l <= u; l == u allowed).
    static func relax(lower l: Double, upper u: Double) -> LineBounds
    /// The exact range on [l, u]; every operator here is monotone non-decreasing.
    static func range(lower l: Double, upper u: Double) -> (Double, Double)
}

extension UnaryOperator {
    public static func range(lower l: Double, upper u: Double) -> (Double, Double) { (value(l), value(u)) }
}
