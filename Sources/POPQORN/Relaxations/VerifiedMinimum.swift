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
    /// A cell of the branch and bound, with its factors' samples at its ends (a half shares three of its
    /// four with its parent).
    private struct Cell {
        var box: Box
        var ends: BoxEnds
        var bound: Double
        var spreadX: Double
        var spreadY: Double
    }

    /// What every plane's offset on one box starts from, evaluated once for all of a neuron's candidate
    /// planes, none of it depending on the plane: the factors' samples at the box's ends (`BoxEnds`), f at
    /// the four corners from them and, where the branch and bound runs (`hasInteriorExtrema`), f at the
    /// centre.
    struct BoxSamples {
        let box: Box
        let ends: BoxEnds
        /// f at (xl, yl), (xu, yl), (xl, yu), (xu, yu).
        let corners: (Double, Double, Double, Double)
        let centre: Double?

        init<F: BinaryOperator>(_ f: F.Type, on box: Box, ends: BoxEnds) {
            self.box = box
            self.ends = ends
            corners = (f.value(x: ends.x.0, y: ends.y.0), f.value(x: ends.x.1, y: ends.y.0),
                       f.value(x: ends.x.0, y: ends.y.1), f.value(x: ends.x.1, y: ends.y.1))
            let (x, y) = box.centre
            centre = f.hasInteriorExtrema ? f.value(x, y) : nil
        }
    }

    /// - Parameters:
    ///   - sign: +1 bounds min of f - P, -1 bounds min of P - f.
    ///   - budget: the most interior cells evaluated: a fixed cost per neuron, whatever the box.
    static func of<F: BinaryOperator>(_ f: F.Type, minus plane: Plane, sign: Double, on samples: BoxSamples,
                                      budget: Int = 40, tolerance: Double) -> Double {
        let box = samples.box
        // g at (x, y) from f's value there.
        func g(_ x: Double, _ y: Double, value: Double) -> Double { sign * (value - plane(x, y)) }
        let (ll, ul, lu, uu) = samples.corners
        var boundary = min(min(g(box.xl, box.yl, value: ll), g(box.xu, box.yl, value: ul)),
                           min(g(box.xl, box.yu, value: lu), g(box.xu, box.yu, value: uu)))
        // Each edge's own factor comes from the box's samples; f from samples is f bit for bit
        // (`BinaryOperator.value(x:y:)`), so only the other factor is evaluated at a critical point.
        for (y, edge) in [(box.yl, samples.ends.y.0), (box.yu, samples.ends.y.1)] {
            for x in f.criticalXs(onEdge: edge, slope: plane.a) where box.xl <= x && x <= box.xu {
                boundary = min(boundary, g(x, y, value: f.value(x: f.sample(x: x), y: edge)))
            }
        }
        for (x, edge) in [(box.xl, samples.ends.x.0), (box.xu, samples.ends.x.1)] {
            for y in f.criticalYs(onEdge: edge, slope: plane.b) where box.yl <= y && y <= box.yu {
                boundary = min(boundary, g(x, y, value: f.value(x: edge, y: f.sample(y: y))))
            }
        }
        guard let sampledCentre = samples.centre else { return boundary }

        // A cell that can hold an interior critical point, with its bound; nil when it cannot. f at the
        // centre is evaluated only for a cell that stays (`centre`).
        func evaluate(_ cell: Box, ends: BoxEnds, centre: @autoclosure () -> Double) -> Cell? {
            let (dx, dy) = f.partials(on: cell, ends: ends)
            let gx = Interval(sign * (dx.low - plane.a), sign * (dx.high - plane.a))
            let gy = Interval(sign * (dy.low - plane.b), sign * (dy.high - plane.b))
            guard min(gx.low, gx.high) <= 0 && max(gx.low, gx.high) >= 0,
                  min(gy.low, gy.high) <= 0 && max(gy.low, gy.high) >= 0 else { return nil }
            let (x, y) = cell.centre
            let spreadX = gx.magnitude * (cell.xu - cell.xl) / 2
            let spreadY = gy.magnitude * (cell.yu - cell.yl) / 2
            return Cell(box: cell, ends: ends, bound: g(x, y, value: centre()) - spreadX - spreadY, spreadX: spreadX, spreadY: spreadY)
        }
        var cells: [Cell] = []
        cells.reserveCapacity(budget)
        if let root = evaluate(box, ends: samples.ends, centre: sampledCentre) { cells.append(root) }
        var evaluations = 1
        while !cells.isEmpty && evaluations + 2 <= budget {
            let index = cells.indices.min { cells[$0].bound < cells[$1].bound }!
            let cell = cells[index]
            if cell.bound >= boundary - tolerance { break }
            cells.swapAt(index, cells.count - 1)
            cells.removeLast()
            var first = cell.box, second = cell.box
            var firstEnds = cell.ends, secondEnds = cell.ends
            if cell.spreadX >= cell.spreadY {
                first.xu = (cell.box.xl + cell.box.xu) / 2
                second.xl = first.xu
                let middle = f.sample(x: first.xu)
                (firstEnds.x.1, secondEnds.x.0) = (middle, middle)
            } else {
                first.yu = (cell.box.yl + cell.box.yu) / 2
                second.yl = first.yu
                let middle = f.sample(y: first.yu)
                (firstEnds.y.1, secondEnds.y.0) = (middle, middle)
            }
            if let half = evaluate(first, ends: firstEnds, centre: f.value(first.centre.x, first.centre.y)) { cells.append(half) }
            if let half = evaluate(second, ends: secondEnds, centre: f.value(second.centre.x, second.centre.y)) { cells.append(half) }
            evaluations += 2
        }
        return cells.reduce(boundary) { min($0, $1.bound) }
    }
}
