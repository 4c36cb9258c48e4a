import Foundation
import GuardService

/// The report's charts, each an inline SVG built from the same numbers the CSV tables hold.
enum ReportCharts {
    /// Bins of the radius histogram: equal widths from 0 to the largest radius.
    struct Bin: Equatable {
        let from: Double
        let to: Double
        var correct = 0
        var wrong = 0
    }

    static func histogram(_ results: [ExampleResult], bins count: Int = 20) -> [Bin] {
        let top = results.map(\.radius).max() ?? 0
        guard top > 0 else {
            return [Bin(from: 0, to: 0, correct: results.count { $0.correct }, wrong: results.count { !$0.correct })]
        }
        var bins = (0..<count).map { Bin(from: top * Double($0) / Double(count), to: top * Double($0 + 1) / Double(count)) }
        for result in results {
            let index = min(count - 1, Int(result.radius / top * Double(count)))
            if result.correct { bins[index].correct += 1 } else { bins[index].wrong += 1 }
        }
        return bins
    }

    /// Side-by-side bars per bin: each group's share of its own predictions, so the few wrong ones show.
    static func radiusDistribution(_ report: CalibrationReport) -> String {
        let bins = histogram(report.run.results)
        let correct = max(1, report.run.results.count { $0.correct }), wrong = max(1, report.run.results.count { !$0.correct })
        let top = bins.map { max(Double($0.correct) / Double(correct), Double($0.wrong) / Double(wrong)) }.max() ?? 1
        let to = bins.last?.to ?? 0
        var chart = SVGChart(x: 0...(to > 0 ? to : 1), y: 0...max(top * 1.12, 0.01))
        chart.axes(xLabel: "certified radius (\(report.run.settings.perturbation.norm.rawValue)-norm per frame)",
                   yLabel: "share of the group", yFormat: { percent($0) })
        var correctBars: [String] = [], wrongBars: [String] = []
        for bin in bins {
            let width = (bin.to > bin.from ? bin.to - bin.from : 1)
            let middle = bin.from + width / 2
            correctBars.append(chart.rectangle(x0: bin.from + width * 0.06, x1: middle, y0: 0, y1: Double(bin.correct) / Double(correct),
                                               cssClass: "bar correct",
                                               title: "\(bin.correct) correct with radius in [\(formatted(bin.from)), \(formatted(bin.to)))"))
            wrongBars.append(chart.rectangle(x0: middle, x1: bin.to - width * 0.06, y0: 0, y1: Double(bin.wrong) / Double(wrong),
                                             cssClass: "bar wrong",
                                             title: "\(bin.wrong) wrong with radius in [\(formatted(bin.from)), \(formatted(bin.to)))"))
        }
        chart.add("<g class=\"series\" data-series=\"correct\" data-points=\"\(bins.count)\">" + correctBars.joined() + "</g>")
        chart.add("<g class=\"series\" data-series=\"wrong\" data-points=\"\(bins.count)\">" + wrongBars.joined() + "</g>")
        if let policy = report.policy { policyMarkers(&chart, policy) }
        return chart.svg(label: "Distribution of certified radii, correct and wrong predictions")
    }

    /// One row per attacked example, smallest certified radius first: the certified radius, the PGD
    /// radius, and the unproven gap between them.
    static func attackGap(_ report: CalibrationReport) -> String? {
        let gaps = report.run.attacks.sorted { $0.certified < $1.certified }
        guard !gaps.isEmpty else { return nil }
        let largest = gaps.map { max($0.certified, $0.attack ?? 0) }.max() ?? 1
        let rowHeight = 9.0
        var chart = SVGChart(height: 60 + rowHeight * Double(gaps.count), x: 0...(largest > 0 ? largest * 1.05 : 1),
                             y: 0...Double(gaps.count), left: 58, bottom: 46)
        chart.axes(xLabel: "radius (\(report.run.settings.perturbation.norm.rawValue)-norm per frame)",
                   yLabel: "sampled predictions", yFormat: { _ in "" })
        var certified: [String] = [], attacks: [String] = [], spans: [String] = []
        for (row, gap) in gaps.enumerated() {
            let y = chart.py(Double(gaps.count - row) - 0.5)
            let result = report.run.results[gap.example]
            let cx = chart.px(gap.certified)
            let end = chart.px(gap.attack ?? chart.x.upperBound)
            let who = "line \(result.line) (\(result.correct ? "correct" : "wrong"))"
            spans.append("<line class=\"gap\(gap.attack == nil ? " open" : "")\" x1=\"\(coordinate(cx))\" x2=\"\(coordinate(end))\" y1=\"\(coordinate(y))\" y2=\"\(coordinate(y))\"/>")
            certified.append("<circle class=\"dot certified\(result.correct ? "" : " wrong")\" cx=\"\(coordinate(cx))\" cy=\"\(coordinate(y))\" r=\"3.2\"><title>\(escaped(who)): certified \(formatted(gap.certified))</title></circle>")
            if let attack = gap.attack {
                attacks.append("<rect class=\"dot attack\" x=\"\(coordinate(end - 3))\" y=\"\(coordinate(y - 3))\" width=\"6\" height=\"6\"><title>\(escaped(who)): PGD found a counterexample at \(formatted(attack))</title></rect>")
            }
        }
        chart.add("<g class=\"gaps\">" + spans.joined() + "</g>")
        chart.add("<g class=\"series\" data-series=\"certified\" data-points=\"\(certified.count)\">" + certified.joined() + "</g>")
        chart.add("<g class=\"series\" data-series=\"attack\" data-points=\"\(attacks.count)\">" + attacks.joined() + "</g>")
        return chart.svg(label: "Certified radius and PGD attack radius of sampled predictions")
    }

    /// For every candidate threshold t: the share of predictions at or above t, their accuracy, and the
    /// share of wrong predictions below t; the policy's zones shaded.
    static func thresholdCurve(_ report: CalibrationReport) -> String {
        let curve = report.curve
        let top = max(curve.points.last?.threshold ?? 0, report.policy?.acceptAtOrAbove ?? 0,
                      report.suggestion?.outcome.policy.acceptAtOrAbove ?? 0) * 1.05
        var chart = SVGChart(x: 0...(top > 0 ? top : 1), y: 0...1)
        if let policy = report.policy {
            chart.rect(x0: 0, x1: policy.refuseBelow, y0: 0, y1: 1, cssClass: "zone refuse", title: "refused: radius < refuse_below")
            chart.rect(x0: policy.refuseBelow, x1: policy.acceptAtOrAbove, y0: 0, y1: 1, cssClass: "zone flag",
                       title: "flagged fragile: refuse_below <= radius < accept_at_or_above")
            chart.rect(x0: policy.acceptAtOrAbove, x1: chart.x.upperBound, y0: 0, y1: 1, cssClass: "zone accept",
                       title: "accepted: radius >= accept_at_or_above")
        }
        chart.axes(xLabel: "threshold on the certified radius", yLabel: "share", yFormat: { percent($0) })
        // Step functions: each value holds from its threshold up to the next one.
        func steps(_ value: (ThresholdPoint) -> Double?) -> [(Double, Double)] {
            var out: [(Double, Double)] = []
            for (index, point) in curve.points.enumerated() {
                guard let v = value(point) else { continue }
                let next = index + 1 < curve.points.count ? curve.points[index + 1].threshold : chart.x.upperBound
                out += [(point.threshold, v), (next, v)]
            }
            return out
        }
        let total = Double(max(curve.total, 1)), wrong = Double(max(curve.wrong, 1))
        chart.line(steps { Double($0.atOrAbove) / total }, series: "coverage", cssClass: "coverage",
                   title: "share of predictions with radius >= t (accepted if accept_at_or_above = t)")
        chart.line(steps(\.accuracyAtOrAbove), series: "accuracy", cssClass: "accuracy",
                   title: "accuracy of the predictions with radius >= t")
        chart.line(steps { Double($0.wrongBelow) / wrong }, series: "wrong-caught", cssClass: "caught",
                   title: "share of the wrong predictions with radius < t (refused if refuse_below = t)")
        if let policy = report.policy { policyMarkers(&chart, policy) }
        if let suggestion = report.suggestion {
            chart.marker(at: suggestion.outcome.policy.acceptAtOrAbove, label: "suggested accept", cssClass: "suggested", row: 2)
            if suggestion.outcome.policy.refuseBelow > 0 {
                chart.marker(at: suggestion.outcome.policy.refuseBelow, label: "suggested refuse", cssClass: "suggested", row: 3)
            }
        }
        return chart.svg(label: "Threshold curve: share accepted, accuracy of accepted, wrong predictions caught")
    }

    /// Accuracy of the accepted predictions against the share accepted (selective prediction), the
    /// policy's and the suggestion's operating points marked.
    static func riskCoverage(_ report: CalibrationReport) -> String {
        let curve = report.curve
        let points = curve.points.compactMap { point in
            point.accuracyAtOrAbove.map { (Double(point.atOrAbove) / Double(max(curve.total, 1)), $0) }
        }
        let lowest = (points.map(\.1).min() ?? 0)
        let floor = max(0, (lowest * 10).rounded(.down) / 10 - 0.05)
        var chart = SVGChart(x: 0...1, y: floor...1)
        chart.axes(xLabel: "share of predictions accepted (coverage)", yLabel: "accuracy of accepted", yFormat: { percent($0) })
        chart.line(points, series: "risk-coverage", cssClass: "accuracy", title: "accuracy of accepted against coverage")
        func mark(_ outcome: PolicyOutcome, label: String, cssClass: String) {
            guard let accuracy = outcome.acceptedAccuracy else { return }
            let share = Double(outcome.accepted) / Double(max(outcome.total, 1))
            let x = coordinate(chart.px(share)), y = coordinate(chart.py(accuracy))
            chart.add("<g class=\"operating \(cssClass)\"><circle cx=\"\(x)\" cy=\"\(y)\" r=\"5\"/><text x=\"\(x)\" y=\"\(y)\" dx=\"-8\" dy=\"18\" text-anchor=\"end\">\(escaped(label))</text><title>\(escaped(label)): \(percent(share)) accepted at \(percent(accuracy)) accuracy</title></g>")
        }
        if let policy = report.policy { mark(PolicyOutcome(results: report.run.results, policy: policy), label: "current policy", cssClass: "current") }
        if let suggestion = report.suggestion { mark(suggestion.outcome, label: "suggested", cssClass: "suggested") }
        return chart.svg(label: "Accuracy of accepted predictions against the share accepted")
    }

    private static func policyMarkers(_ chart: inout SVGChart, _ policy: DecisionPolicy) {
        chart.marker(at: policy.acceptAtOrAbove, label: "accept \u{2265} \(formatted(policy.acceptAtOrAbove))", cssClass: "policy")
        if policy.refuseBelow > 0 && policy.refuseBelow < policy.acceptAtOrAbove {
            chart.marker(at: policy.refuseBelow, label: "refuse < \(formatted(policy.refuseBelow))", cssClass: "policy refuse-line", row: 1)
        }
    }
}
