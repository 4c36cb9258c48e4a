/// A guaranteed lower bound of min over a box of g = f - P (a lower plane) or g = P - f (an upper plane).
///
/// The minimum of a smooth g on a box lies on the boundary or at an interior critical point.
/// - Boundary: along each edge g has the form f(x, y0) - a x - const (or in y), whose extrema are at the
///   edge ends or where df/dx = a, which the operator solves in closed form (`criticalXs`, `criticalYs`).
///   Evaluating g there gives the boundary minimum up to rounding in the critical points, a second-order
///   error the final slack covers.
/// - Interior: only when the operator can have interior extrema. Branch and bound on cells: a cell whose
///   enclosure of dg/dx or dg/dy excludes 0 holds no critical point and is dropped; on the others the mean
///   value theorem gives g >= g(centre) - Gx rx - Gy ry (Gx, Gy bound |dg/dx|, |dg/dy| on the cell).
///   Whatever is left when the budget runs out contributes its cell bound, so the answer stays a bound.
enum VerifiedMinimum {
    private struct Cell {
        var box: Box
        var bound: Double
        var spreadX: Double
        var spreadY: Double
    }

    /// - Parameters:
    ///   - sign: +1 bounds min of f - P, -1 bounds min of P - f.
    ///   - budget: the most interior cells evaluated: a fixed cost per neuron, whatever the box.
    static func of<F: BinaryOperator>(_ f: F.Type, minus plane: Plane, sign: Double, on box: Box,
                                      budget: Int = 40, tolerance: Double) -> Double {
        func g(_ x: Double, _ y: Double) -> Double { sign * (f.value(x, y) - plane(x, y)) }
        var boundary = Double.infinity
        for y in [box.yl, box.yu] {
            for x in [box.xl, box.xu] + f.criticalXs(onEdgeY: y, slope: plane.a) where box.xl <= x && x <= box.xu {
                boundary = min(boundary, g(x, y))
            }
        }
        for x in [box.xl, box.xu] {
            for y in f.criticalYs(onEdgeX: x, slope: plane.b) where box.yl <= y && y <= box.yu {
                boundary = min(boundary, g(x, y))
            }
        }
        guard f.hasInteriorExtrema else { return boundary }

        // A cell that can hold an interior critical point, with its bound; nil when it cannot.
        func evaluate(_ cell: Box) -> Cell? {
            let (dx, dy) = f.partials(on: cell)
            let gx = Interval(sign * (dx.low - plane.a), sign * (dx.high - plane.a))
            let gy = Interval(sign * (dy.low - plane.b), sign * (dy.high - plane.b))
            guard min(gx.low, gx.high) <= 0 && max(gx.low, gx.high) >= 0,
                  min(gy.low, gy.high) <= 0 && max(gy.low, gy.high) >= 0 else { return nil }
            let (x, y) = cell.centre
            let spreadX = gx.magnitude * (cell.xu - cell.xl) / 2
            let spreadY = gy.magnitude * (cell.yu - cell.yl) / 2
            return Cell(box: cell, bound: g(x, y) - spreadX - spreadY, spreadX: spreadX, spreadY: spreadY)
        }
        var cells = evaluate(box).map { [$0] } ?? []
        var evaluations = 1
        while !cells.isEmpty && evaluations + 2 <= budget {
            let index = cells.indices.min { cells[$0].bound < cells[$1].bound }!
            let cell = cells[index]
            if cell.bound >= boundary - tolerance { break }
            cells.swapAt(index, cells.count - 1)
            cells.removeLast()
            var first = cell.box, second = cell.box
            if cell.spreadX >= cell.spreadY {
                first.xu = (cell.box.xl + cell.box.xu) / 2
                second.xl = first.xu
            } else {
                first.yu = (cell.box.yl + cell.box.yu) / 2
                second.yl = first.yu
            }
            cells += [first, second].compactMap(evaluate)
            evaluations += 2
        }
        return cells.reduce(boundary) { min($0, $1.bound) }
    }
}
