import Foundation

/// The numbers behind every chart of a report, one CSV table per chart.
enum ReportCSV {
    struct Table {
        /// The file's suffix: the report `r.html` writes `r-NAME.csv`.
        let name: String
        let text: String
    }

    static func tables(of report: CalibrationReport) -> [Table] {
        let results = report.run.results
        var radii = [["line", "label", "predicted", "correct", "radius", "complete", "seconds"]]
        for r in results {
            radii.append([String(r.line), report.className(r.label), report.className(r.predicted), String(r.correct),
                          number(r.radius), String(r.complete), number(r.seconds)])
        }
        var histogram = [["radius_from", "radius_to", "correct", "wrong"]]
        for bin in ReportCharts.histogram(results) {
            histogram.append([number(bin.from), number(bin.to), String(bin.correct), String(bin.wrong)])
        }
        var attack = [["line", "correct", "certified_radius", "attack_radius"]]
        for gap in report.run.attacks {
            let r = results[gap.example]
            attack.append([String(r.line), String(r.correct), number(gap.certified), gap.attack.map(number) ?? ""])
        }
        var thresholds = [["threshold", "at_or_above", "correct_at_or_above", "accuracy_at_or_above", "coverage", "below",
                           "wrong_below", "wrong_caught"]]
        let curve = report.curve
        for p in curve.points {
            thresholds.append([number(p.threshold), String(p.atOrAbove), String(p.correctAtOrAbove),
                               p.accuracyAtOrAbove.map(number) ?? "", number(Double(p.atOrAbove) / Double(max(curve.total, 1))),
                               String(p.below), String(p.wrongBelow),
                               curve.wrong == 0 ? "" : number(Double(p.wrongBelow) / Double(curve.wrong))])
        }
        var sensitivity = [["line", "frame", "frame_radius"]]
        for map in report.run.sensitivities {
            for (t, radius) in map.frameRadii.enumerated() {
                sensitivity.append([String(results[map.example].line), String(t), number(radius)])
            }
        }
        return [
            Table(name: "radii", text: csv(radii)),
            Table(name: "histogram", text: csv(histogram)),
            Table(name: "attack", text: csv(attack)),
            Table(name: "thresholds", text: csv(thresholds)),
            Table(name: "sensitivity", text: csv(sensitivity)),
        ]
    }

    /// Full precision, so the CSV reproduces the charts exactly.
    private static func number(_ value: Double) -> String { "\(value)" }

    private static func csv(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    private static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
