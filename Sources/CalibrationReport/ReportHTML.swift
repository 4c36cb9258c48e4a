import GuardService

/// The report as one self-contained page: inline CSS (a responsive column and a print stylesheet),
/// inline SVG charts, no script, no external resource. The markup is well-formed XHTML, so any XML
/// parser reads it.
enum ReportHTML {
    /// `csvFiles` maps a table name (`radii`, `thresholds`, ...) to the file written beside the page.
    static func render(_ report: CalibrationReport, csvFiles: [String: String]) -> String {
        let run = report.run
        let results = run.results
        let wrong = results.count { !$0.correct }
        func link(_ table: String) -> String {
            csvFiles[table].map { " <a class=\"csv\" href=\"\(escaped($0))\">numbers (CSV)</a>" } ?? ""
        }
        var sections: [String] = []

        // Headline numbers and the policy in force.
        var cards = [
            card("examples", "\(results.count)", run.failures.isEmpty && report.dataSet.skipped.isEmpty ? nil
                 : "\(report.dataSet.skipped.count + run.failures.count) lines skipped"),
            card("accuracy", percent(report.accuracy), "\(wrong) wrong"),
            card("median radius, correct", median(results.filter(\.correct).map(\.radius)).map(formatted) ?? "-", nil),
            card("median radius, wrong", median(results.filter { !$0.correct }.map(\.radius)).map(formatted) ?? "-", nil),
        ]
        if let policy = report.policy {
            let outcome = PolicyOutcome(results: results, policy: policy)
            cards.append(card("accepted by the policy", percent(share(outcome.accepted, outcome.total)),
                              "accuracy \(percent(outcome.acceptedAccuracy))"))
            cards.append(card("wrong ones refused", "\(outcome.wrongRefused) of \(outcome.wrong)",
                              "\(percent(share(outcome.flagged, outcome.total))) flagged, \(percent(share(outcome.refused, outcome.total))) refused"))
        }
        sections.append("<section class=\"cards\">" + cards.joined() + "</section>")

        sections.append(section("radii", "Certified radii, correct and wrong predictions",
            "<p>Each bar is the share of one group (correct or wrong predictions) whose certified radius falls in that range. Wrong predictions piling up at small radii is what lets a threshold catch them.\(link("histogram"))</p>"
            + legend([("correct", "correct (\(results.count - wrong))"), ("wrong", "wrong (\(wrong))")])
            + scroll(ReportCharts.radiusDistribution(report))))

        if let gap = ReportCharts.attackGap(report) {
            let ratios = run.attacks.compactMap { a in a.attack.flatMap { $0 > 0 ? a.certified / $0 : nil } }
            let summary = median(ratios).map { "Median certified / attack radius: <b>\(formatted($0))</b>; the true distance to the nearest counterexample lies in between, so up to \(percent(1 - $0)) of it is unproven." } ?? ""
            sections.append(section("gap", "Proven and attacked: the gap",
                "<p>For \(run.attacks.count) predictions spread over the radius order: the certified radius (a proof: no input that close changes the class) and the smallest radius at which a PGD attack found an input of another class (an upper bound). \(summary)\(link("attack"))</p>"
                + legend([("certified", "certified radius"), ("wrong-dot", "certified, wrong prediction"), ("attack", "PGD counterexample")])
                + scroll(gap)))
        }

        var policyText = "<p>For every candidate threshold t: the share of predictions with radius at or above t (accepted when <code>accept_at_or_above</code> = t), their accuracy, and the share of the wrong predictions below t (refused when <code>refuse_below</code> = t).\(link("thresholds"))</p>"
        if let policy = report.policy {
            policyText += "<p>Shaded: the policy in force, <code>refuse_below: \(formatted(policy.refuseBelow))</code> (red, refused), flagged fragile between (amber), <code>accept_at_or_above: \(formatted(policy.acceptAtOrAbove))</code> (green, accepted).</p>"
        }
        sections.append(section("thresholds", "Threshold curve", policyText
            + legend([("coverage", "share with radius \u{2265} t"), ("accuracy", "accuracy of those"), ("caught", "wrong predictions below t")])
            + scroll(ReportCharts.thresholdCurve(report))
            + "<h3>Accuracy against coverage</h3><p>Each point is one threshold: accept fewer predictions, and those accepted are right more often.</p>"
            + scroll(ReportCharts.riskCoverage(report))
            + outcomeTable(report)))

        let maps = SensitivityMaps(report)
        let mapCards = maps.cards()
        if !mapCards.isEmpty {
            let what: String
            switch report.view {
            case .words: what = "each word on the colour of its own certified radius (the radius when only that word's embedding moves): the darker, the fewer changes to that word it takes to flip the prediction. Words outside the vocabulary are underlined (the model reads them as unknown)."
            case .rows: what = "the input image with each row's certified radius (only that row moves) beside it: the darker, the more fragile the prediction is to that row."
            case .frames: what = "the features over time (purple below 0, green above) with each frame's certified radius (only that frame moves) in the strip under them: the darker, the more fragile."
            }
            sections.append(section("sensitivity", "Sensitivity maps",
                "<p>\(mapCards.count) predictions spread from the most fragile to the most robust: \(what)\(link("sensitivity"))</p>"
                + maps.legend + "<div class=\"maps\">" + mapCards.joined() + "</div>"))
        }

        var reproduce = "<h3>Model</h3>" + table(report.model.summary)
        reproduce += "<h3>Settings</h3>" + table(report.provenance)
        let skipped = report.dataSet.skipped + run.failures
        if !skipped.isEmpty {
            reproduce += "<h3>Skipped lines</h3><ul class=\"skipped\">" + skipped.map { "<li>\(escaped($0.description))</li>" }.joined() + "</ul>"
        }
        reproduce += "<p>Per-example radii:\(link("radii"))</p>"
        sections.append(section("settings", "Model, settings and reproduction", reproduce))

        let title = "Calibration report: \(report.name)"
        let lede = "\(results.count) labelled predictions certified under per-frame \(run.settings.perturbation.norm.rawValue)-norm balls on frames \(run.settings.perturbation.frames.description), in \(formatted(run.seconds)) s."
        return """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>\
        <meta name="viewport" content="width=device-width, initial-scale=1"/><title>\(escaped(title))</title>\
        <style>\(stylesheet)</style></head><body><main>\
        <header><h1>\(escaped(title))</h1><p class="lede">\(escaped(lede))</p></header>
        \(sections.joined(separator: "\n"))
        </main></body></html>

        """
    }

    /// The current and the suggested policy side by side.
    private static func outcomeTable(_ report: CalibrationReport) -> String {
        var columns: [(String, PolicyOutcome)] = []
        if let policy = report.policy { columns.append(("policy in force", PolicyOutcome(results: report.run.results, policy: policy))) }
        if let suggestion = report.suggestion {
            columns.append(("suggested for \(percent(suggestion.targetAccuracy))", suggestion.outcome))
        }
        guard !columns.isEmpty else { return "" }
        let rows: [(String, (PolicyOutcome) -> String)] = [
            ("refuse_below", { formatted($0.policy.refuseBelow) }),
            ("accept_at_or_above", { formatted($0.policy.acceptAtOrAbove) }),
            ("accepted", { "\($0.accepted) (\(percent(share($0.accepted, $0.total))))" }),
            ("accuracy of accepted", { percent($0.acceptedAccuracy) }),
            ("flagged fragile", { "\($0.flagged) (\(percent(share($0.flagged, $0.total))))" }),
            ("accuracy of served (accepted + flagged)", { percent($0.servedAccuracy) }),
            ("refused", { "\($0.refused) (\(percent(share($0.refused, $0.total))))" }),
            ("wrong predictions refused", { "\($0.wrongRefused) of \($0.wrong)" }),
        ]
        let head = "<tr><th></th>" + columns.map { "<th>\(escaped($0.0))</th>" }.joined() + "</tr>"
        let body = rows.map { row in
            "<tr><th>\(escaped(row.0))</th>" + columns.map { "<td>\(escaped(row.1($0.1)))</td>" }.joined() + "</tr>"
        }.joined()
        return "<table class=\"outcome\">\(head)\(body)</table>"
    }

    /// A chart in a box that scrolls sideways on narrow screens instead of shrinking the text.
    private static func scroll(_ svg: String) -> String { "<div class=\"scroll\">\(svg)</div>" }

    private static func section(_ id: String, _ title: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(escaped(title))</h2>\(content)</section>"
    }

    private static func card(_ label: String, _ value: String, _ note: String?) -> String {
        "<div class=\"card\"><span class=\"value\">\(escaped(value))</span><span class=\"name\">\(escaped(label))</span>"
            + (note.map { "<span class=\"note\">\(escaped($0))</span>" } ?? "") + "</div>"
    }

    private static func legend(_ items: [(String, String)]) -> String {
        "<p class=\"legend\">" + items.map { "<span class=\"key \($0.0)\"></span>\(escaped($0.1))" }.joined(separator: " ") + "</p>"
    }

    private static func table(_ rows: [(key: String, value: String)]) -> String {
        "<table class=\"facts\">" + rows.map { "<tr><th>\(escaped($0.key))</th><td>\(escaped($0.value))</td></tr>" }.joined() + "</table>"
    }

    private static func share(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private static let stylesheet = """
    :root{--correct:#2166ac;--wrong:#d6604d;--accuracy:#1b7837;--caught:#b2182b;--ink:#1a1a1a;--muted:#5a5a5a}\
    *{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fafafa}\
    main{max-width:960px;margin:0 auto;padding:16px 20px 40px;background:#fff}\
    h1{font-size:1.6rem;margin:.4em 0 .2em}h2{font-size:1.25rem;margin:1.6em 0 .4em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{font-size:1.05rem;margin:1.2em 0 .3em}\
    .lede{color:var(--muted);margin-top:0}code{font-size:.92em;background:#f2f2f2;padding:0 .25em;border-radius:3px}\
    .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:16px 0}\
    .card{border:1px solid #e2e2e2;border-radius:8px;padding:10px 12px;display:flex;flex-direction:column}\
    .card .value{font-size:1.45rem;font-weight:600}.card .name{color:var(--muted);font-size:.85rem}.card .note{font-size:.8rem;color:var(--muted)}\
    svg.chart{display:block;width:100%;height:auto;margin:6px 0 10px;font-size:12px}\
    svg text{fill:var(--ink)}.tick{font-size:12px;fill:var(--muted)}.label{font-size:13px}.scroll{overflow-x:auto}\
    .grid{stroke:#ececec}.axis,.tickmark{stroke:#888}\
    .bar.correct{fill:var(--correct)}.bar.wrong{fill:var(--wrong)}\
    polyline.series{fill:none;stroke-width:2.2}polyline.coverage{stroke:var(--correct)}polyline.accuracy{stroke:var(--accuracy)}polyline.caught{stroke:var(--caught);stroke-dasharray:6 3}\
    .zone.refuse{fill:#fde0dd}.zone.flag{fill:#fff3cd}.zone.accept{fill:#e5f5e0}\
    .marker line{stroke:#333;stroke-width:1.2}.marker text{font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}.marker.suggested line{stroke:#6a3d9a;stroke-dasharray:4 3}.marker.suggested text{fill:#6a3d9a}\
    .gap{stroke:#bbb;stroke-width:2}.gap.open{stroke-dasharray:3 3}.dot.certified{fill:var(--correct)}.dot.certified.wrong{fill:var(--wrong)}.dot.attack{fill:#333}\
    .operating circle{stroke:#fff;stroke-width:2}.operating.current circle{fill:#333}.operating.suggested circle{fill:#6a3d9a}.operating text{font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}\
    .legend{font-size:.85rem;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}\
    .key{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:middle;border-radius:2px}\
    .key.correct,.key.certified,.key.coverage{background:var(--correct)}.key.wrong,.key.wrong-dot{background:var(--wrong)}.key.attack{background:#333}.key.accuracy{background:var(--accuracy)}.key.caught{background:var(--caught)}\
    .ramp{white-space:nowrap}.swatch{display:inline-block;width:14px;height:12px;vertical-align:middle}\
    table{border-collapse:collapse;margin:8px 0;font-size:.9rem;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}td{overflow-wrap:anywhere}\
    table.outcome td{text-align:right;white-space:nowrap}\
    .maps{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}.maps figure{margin:0;border:1px solid #e2e2e2;border-radius:8px;padding:8px 10px;break-inside:avoid}\
    .map.words{grid-column:1/-1}figcaption{font-size:.85rem;line-height:1.5;margin-bottom:6px}.badge{font-size:.75rem;padding:0 6px;border-radius:8px;color:#fff}.badge.ok{background:var(--correct)}.badge.bad{background:var(--wrong)}\
    .words{line-height:2.6;margin:0}.word{display:inline-block;padding:0 5px;border-radius:4px;text-align:center;line-height:1.25}.word small{display:block;font-size:.68rem;color:#333}.word.unknown{text-decoration:underline dotted}.word.dark,.word.dark small{color:#fff}\
    svg.rowsmap{width:100%;max-width:240px;height:auto;font-size:11px}svg.framesmap{width:100%;height:auto;font-size:10px}\
    a.csv{font-size:.85rem}.skipped{font-size:.85rem}\
    @media (max-width:600px){main{padding:10px}h1{font-size:1.3rem}.card .value{font-size:1.2rem}svg.chart{min-width:600px}.maps{grid-template-columns:1fr}}\
    @media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}.scroll{overflow:visible}svg.chart{min-width:0}section{break-inside:avoid-page}\
    a.csv{display:none}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
    """
}
