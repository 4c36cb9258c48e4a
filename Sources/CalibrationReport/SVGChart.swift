import Foundation

/// Escapes text for HTML and XML content and attribute values.
func escaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// A number for a chart label or a table: 4 significant digits, no exponent for everyday sizes.
func formatted(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value.magnitude >= 1e-3 && value.magnitude < 1e5 {
        let text = String(format: "%.4g", value)
        return text.contains("e") ? String(format: "%.4f", value) : text
    }
    return String(format: "%.3e", value)
}

func percent(_ value: Double?) -> String {
    guard let value else { return "-" }
    return String(format: "%.1f%%", value * 100)
}

/// A number as an SVG coordinate.
func coordinate(_ value: Double) -> String { String(format: "%.2f", value) }

/// An SVG plot area with linear axes: it maps data to pixels and writes axes, ticks, lines and shapes
/// as XML text. The SVG scales to its container (viewBox, width 100%).
struct SVGChart {
    let width: Double
    let height: Double
    let left: Double, right: Double, top: Double, bottom: Double
    let x: ClosedRange<Double>
    let y: ClosedRange<Double>
    private(set) var body: [String] = []

    init(width: Double = 720, height: Double = 300, x: ClosedRange<Double>, y: ClosedRange<Double>,
         left: Double = 58, right: Double = 16, top: Double = 14, bottom: Double = 46) {
        self.width = width
        self.height = height
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
        self.x = x.lowerBound < x.upperBound ? x : x.lowerBound...(x.lowerBound + 1)
        self.y = y.lowerBound < y.upperBound ? y : y.lowerBound...(y.lowerBound + 1)
    }

    func px(_ value: Double) -> Double {
        left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * (width - left - right)
    }

    func py(_ value: Double) -> Double {
        height - bottom - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * (height - top - bottom)
    }

    mutating func add(_ element: String) { body.append(element) }

    /// Axes with ticks at round values; `yFormat` turns a y tick into its label.
    mutating func axes(xLabel: String, yLabel: String, yFormat: (Double) -> String = formatted) {
        let x0 = px(x.lowerBound), x1 = px(x.upperBound), y0 = py(y.lowerBound), y1 = py(y.upperBound)
        var parts = ["<g class=\"axes\">"]
        for tick in niceTicks(y) {
            let yy = coordinate(py(tick))
            parts.append("<line class=\"grid\" x1=\"\(coordinate(x0))\" x2=\"\(coordinate(x1))\" y1=\"\(yy)\" y2=\"\(yy)\"/>")
            parts.append("<text class=\"tick\" x=\"\(coordinate(x0 - 6))\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escaped(yFormat(tick)))</text>")
        }
        for tick in niceTicks(x) {
            let xx = coordinate(px(tick))
            parts.append("<line class=\"tickmark\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(coordinate(y0))\" y2=\"\(coordinate(y0 + 5))\"/>")
            parts.append("<text class=\"tick\" x=\"\(xx)\" y=\"\(coordinate(y0 + 18))\" text-anchor=\"middle\">\(escaped(formatted(tick)))</text>")
        }
        parts.append("<line class=\"axis\" x1=\"\(coordinate(x0))\" x2=\"\(coordinate(x1))\" y1=\"\(coordinate(y0))\" y2=\"\(coordinate(y0))\"/>")
        parts.append("<line class=\"axis\" x1=\"\(coordinate(x0))\" x2=\"\(coordinate(x0))\" y1=\"\(coordinate(y0))\" y2=\"\(coordinate(y1))\"/>")
        parts.append("<text class=\"label\" x=\"\(coordinate((x0 + x1) / 2))\" y=\"\(coordinate(height - 6))\" text-anchor=\"middle\">\(escaped(xLabel))</text>")
        parts.append("<text class=\"label\" transform=\"translate(14 \(coordinate((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escaped(yLabel))</text>")
        parts.append("</g>")
        body.append(parts.joined())
    }

    /// A polyline through `points` as one series (`data-series`, `data-points` name and count it).
    mutating func line(_ points: [(Double, Double)], series: String, cssClass: String, title: String) {
        let path = points.map { "\(coordinate(px($0.0))),\(coordinate(py($0.1)))" }.joined(separator: " ")
        body.append("<polyline class=\"series \(cssClass)\" data-series=\"\(escaped(series))\" data-points=\"\(points.count)\" points=\"\(path)\"><title>\(escaped(title))</title></polyline>")
    }

    /// A rectangle in data coordinates, as an element to place in a group.
    func rectangle(x0: Double, x1: Double, y0: Double, y1: Double, cssClass: String, title: String? = nil) -> String {
        let left = px(min(x0, x1)), top = py(max(y0, y1))
        let w = max(0, px(max(x0, x1)) - left), h = max(0, py(min(y0, y1)) - top)
        let tooltip = title.map { "<title>\(escaped($0))</title>" } ?? ""
        return "<rect class=\"\(cssClass)\" x=\"\(coordinate(left))\" y=\"\(coordinate(top))\" width=\"\(coordinate(w))\" height=\"\(coordinate(h))\">\(tooltip)</rect>"
    }

    /// A rectangle in data coordinates, added to the chart.
    mutating func rect(x0: Double, x1: Double, y0: Double, y1: Double, cssClass: String, title: String? = nil) {
        body.append(rectangle(x0: x0, x1: x1, y0: y0, y1: y1, cssClass: cssClass, title: title))
    }

    /// A vertical marker line at x with a label near its top, `row` label lines down.
    mutating func marker(at value: Double, label: String, cssClass: String, row: Int = 0) {
        let xx = coordinate(px(value))
        // Labels of markers near the right edge go to the line's left, so they stay inside the chart.
        let flip = px(value) > width * 0.75
        let anchor = flip ? " text-anchor=\"end\"" : ""
        body.append("<g class=\"marker \(cssClass)\"><line x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(coordinate(py(y.lowerBound)))\" y2=\"\(coordinate(py(y.upperBound)))\"/><text\(anchor) x=\"\(coordinate(px(value) + (flip ? -4 : 4)))\" y=\"\(coordinate(py(y.upperBound) + 12 + 14 * Double(row)))\">\(escaped(label))</text></g>")
    }

    /// The finished `<svg>` element.
    func svg(label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"\(escaped(label))\"><title>\(escaped(label))</title>"
            + body.joined() + "</svg>"
    }
}

/// About five round tick values (1, 2 or 5 times a power of ten apart) inside `range`.
func niceTicks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let rough = span / Double(count)
    let power = pow(10, (log10(rough)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    var ticks: [Double] = []
    var tick = (range.lowerBound / step).rounded(.up) * step
    while tick <= range.upperBound + step * 1e-9 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick += step
    }
    return ticks
}
