import Foundation
import SequenceModels

/// Sensitivity maps: each sampled input drawn with its per-frame certified radii (POPQORN's
/// "sensitive words"). One colour scale, logarithmic, spans every frame radius of the sample, so maps
/// compare: the most fragile frames are the darkest.
struct SensitivityMaps {
    let report: CalibrationReport
    /// The smallest positive and the largest frame radius of the whole sample.
    let scale: (low: Double, high: Double)

    init(_ report: CalibrationReport) {
        self.report = report
        let radii = report.run.sensitivities.flatMap(\.frameRadii).filter { $0 > 0 && $0.isFinite }
        let low = radii.min() ?? 1, high = radii.max() ?? 1
        scale = (low, max(high, low * 1.0001))
    }

    /// 0 for the most fragile frame of the sample, 1 for the most robust (log scale).
    func level(_ radius: Double) -> Double {
        guard radius > 0 else { return 0 }
        return min(1, max(0, log(radius / scale.low) / log(scale.high / scale.low)))
    }

    /// Fragile frames deep red, robust ones pale yellow: dark enough text on every shade stays legible.
    func colour(_ radius: Double) -> String {
        let stops: [(Double, Double, Double)] = [(203, 24, 29), (251, 106, 74), (252, 187, 161), (255, 245, 235)]
        let t = level(radius) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(t)), f = t - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(format: "#%02x%02x%02x", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
    }

    /// A legend: the colour ramp from the smallest to the largest frame radius.
    var legend: String {
        let cells = (0..<12).map { k -> String in
            let radius = scale.low * pow(scale.high / scale.low, Double(k) / 11)
            return "<span class=\"swatch\" style=\"background-color:\(colour(radius))\"></span>"
        }
        return "<p class=\"legend\">frame radius: <span class=\"ramp\">\(formatted(scale.low)) " + cells.joined()
            + " \(formatted(scale.high))</span> (most fragile to most robust, log scale)</p>"
    }

    /// Every sampled input as a card: truth, prediction, radius, and the map.
    func cards() -> [String] {
        report.run.sensitivities.compactMap { sensitivity -> String? in
            let result = report.run.results[sensitivity.example]
            guard let example = report.example(for: result), sensitivity.frameRadii.count == example.sequence.count else { return nil }
            let heading = "line \(result.line): true <b>\(escaped(report.className(result.label)))</b>, predicted <b>\(escaped(report.className(result.predicted)))</b>"
                + " <span class=\"badge \(result.correct ? "ok" : "bad")\">\(result.correct ? "correct" : "wrong")</span>"
                + " certified radius \(formatted(result.radius))"
            let map: String
            switch report.view {
            case .words: map = words(example, sensitivity.frameRadii)
            case .rows: map = rows(example.sequence, sensitivity.frameRadii)
            case .frames: map = frames(example.sequence, sensitivity.frameRadii)
            }
            return "<figure class=\"map \(report.view.rawValue)\" data-line=\"\(result.line)\" data-frames=\"\(sensitivity.frameRadii.count)\"><figcaption>\(heading)</figcaption>\(map)</figure>"
        }
    }

    /// The words of a text (or the vocabulary's tokens for token ids), each on its radius's colour with
    /// the radius beneath; words outside the vocabulary are marked (the model reads them as unknown).
    private func words(_ example: LabelledDataSet.Example, _ radii: [Double]) -> String {
        let vocabulary = report.model.vocabulary
        let shown: [(word: String, unknown: Bool)]
        switch example.input {
        case .text(let text):
            shown = Vocabulary.words(in: text).map { word in
                (word, vocabulary.map { $0.encode(word) == [$0.unknownID] } ?? false)
            }
        case .tokens(let ids):
            shown = ids.map { id in
                let token = vocabulary.flatMap { id < $0.tokens.count ? $0.tokens[id] : nil } ?? "#\(id)"
                return (token, vocabulary.map { id == $0.unknownID } ?? false)
            }
        case .sequence:
            shown = radii.indices.map { ("t\($0)", false) }
        }
        return "<p class=\"words\">" + zip(shown, radii).map { item, radius in
            "<span class=\"word\(item.unknown ? " unknown" : "")\(level(radius) < 0.3 ? " dark" : "")\" style=\"background-color:\(colour(radius))\" title=\"radius \(formatted(radius))\(item.unknown ? "; not in the vocabulary" : "")\">\(escaped(item.word))<small>\(formatted(radius))</small></span>"
        }.joined(separator: " ") + "</p>"
    }

    /// An image read row by row: pixels in grey, each row's radius as a coloured cell and a number at its right.
    private func rows(_ sequence: [[Double]], _ radii: [Double]) -> String {
        let cell = 14.0, width = Double(sequence[0].count) * cell
        var parts: [String] = []
        for (t, row) in sequence.enumerated() {
            let y = Double(t) * cell
            for (j, value) in row.enumerated() {
                let grey = Int(255 - 255 * min(1, max(0, value)))
                parts.append("<rect x=\"\(Double(j) * cell)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(grey),\(grey),\(grey))\"/>")
            }
            parts.append("<rect class=\"frame\" x=\"\(width + 4)\" y=\"\(y + 1)\" width=\"\(cell * 1.6)\" height=\"\(cell - 2)\" fill=\"\(colour(radii[t]))\"><title>row \(t): radius \(formatted(radii[t]))</title></rect>")
            parts.append("<text x=\"\(width + 8 + cell * 1.6)\" y=\"\(y + cell * 0.78)\">\(formatted(radii[t]))</text>")
        }
        let height = Double(sequence.count) * cell
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rowsmap\" viewBox=\"0 0 \(Int(width + 80)) \(Int(height))\" role=\"img\" aria-label=\"input rows shaded by their certified radius\">"
            + parts.joined() + "</svg>"
    }

    /// A feature sequence as an image (time left to right, feature 0 at the top; purple below 0, green above),
    /// with a strip of per-frame radii under it.
    private func frames(_ sequence: [[Double]], _ radii: [Double]) -> String {
        let cellWidth = 22.0, cellHeight = 7.0
        let features = sequence[0].count
        let range = max(1e-9, sequence.flatMap { $0 }.map(\.magnitude).max() ?? 1)
        var parts: [String] = []
        for (t, frame) in sequence.enumerated() {
            for (j, value) in frame.enumerated() {
                let v = max(-1, min(1, value / range))
                // Purple below 0, green above: neither is the red of the radius scale.
                let fill = v >= 0 ? String(format: "#%02x%02x%02x", Int(255 - 228 * v), Int(255 - 135 * v), Int(255 - 200 * v))
                                  : String(format: "#%02x%02x%02x", Int(255 + 137 * v), Int(255 + 213 * v), Int(255 + 124 * v))
                parts.append("<rect x=\"\(Double(t) * cellWidth)\" y=\"\(Double(j) * cellHeight)\" width=\"\(cellWidth)\" height=\"\(cellHeight)\" fill=\"\(fill)\"/>")
            }
        }
        let strip = Double(features) * cellHeight + 4
        for (t, radius) in radii.enumerated() {
            parts.append("<rect class=\"frame\" x=\"\(Double(t) * cellWidth + 1)\" y=\"\(strip)\" width=\"\(cellWidth - 2)\" height=\"16\" fill=\"\(colour(radius))\"><title>frame \(t): radius \(formatted(radius))</title></rect>")
            parts.append("<text x=\"\(Double(t) * cellWidth + cellWidth / 2)\" y=\"\(strip + 28)\" text-anchor=\"middle\">\(t)</text>")
        }
        let width = Double(sequence.count) * cellWidth
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"framesmap\" viewBox=\"0 0 \(Int(width)) \(Int(strip + 32))\" role=\"img\" aria-label=\"features over time with the certified radius of each frame\">"
            + parts.joined() + "</svg>"
    }
}
