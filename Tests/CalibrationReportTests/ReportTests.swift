import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GuardService
import POPQORN
import SequenceModels
import Testing
@testable import CalibrationReport

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A small bundled model (a random-init GRU with max pooling, 3 classes, 4 features) and its inputs.
private func smallModel() throws -> (SequenceClassifier, [[String: Any]]) {
    let folder = repositoryRoot.appendingPathComponent("examples/models/variant-gru-max")
    let model = try SequenceClassifier(contentsOf: folder)
    let inputs = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
    return (model, try #require(inputs as? [[String: Any]]))
}

/// The model's five inputs as data lines; the second one's label is changed so that one prediction is wrong.
private func dataLines(_ inputs: [[String: Any]]) throws -> [String] {
    try inputs.enumerated().map { index, input in
        let label = (input["label"] as? Int ?? 0) + (index == 1 ? 1 : 0)
        let line = ["sequence": input["sequence"] ?? [], "label": label % 3]
        return String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self)
    }
}

/// Element names, attributes and text of an XML document, or the parser's error.
private final class XMLSummary: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []

    static func parse(_ data: Data) throws -> XMLSummary {
        let summary = XMLSummary()
        let parser = XMLParser(data: data)
        parser.delegate = summary
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return summary
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }

    func count(_ name: String) -> Int { elements.count { $0.name == name } }

    func series(_ name: String) -> [String: String]? {
        elements.first { $0.attributes["data-series"] == name }?.attributes
    }
}

@Suite("Calibration reports")
struct ReportTests {
    // MARK: the data set

    @Test func badLinesNameTheirLineAndSkipBadKeepsTheGoodOnes() throws {
        let (model, inputs) = try smallModel()
        let good = try dataLines(inputs)
        let bad = [
            "{not json",
            #"{"sequence": [[0, 0, 0, 0]]}"#,
            #"{"sequence": [[0, 0, 0, 0]], "label": 7}"#,
            #"{"sequence": [[0, 0, 0, 0], [1, 2, 3]], "label": 0}"#,
            #"{"sequence": [[0, 0, 0, 0]], "label": true}"#,
            #"{"sequence": [[0, 0, 0, 0]], "label": 1.5}"#,
        ]
        let expected: [DataSetError] = [
            .notJSON(line: 3), .noLabel(line: 4), .labelOutOfRange(line: 5, label: 7, classes: 3),
            .wrongWidth(line: 6, step: 1, expected: 4, found: 3), .labelNotInteger(line: 7), .labelNotInteger(line: 8),
        ]
        // Two good lines, the bad ones, then the rest of the good ones (and a blank line, which is skipped).
        let text = (Array(good[0..<2]) + bad + [""] + Array(good[2...])).joined(separator: "\n")
        #expect(throws: DataSetError.notJSON(line: 3)) {
            try LabelledDataSet(data: Data(text.utf8), model: model, skipBad: false)
        }
        // Each bad line alone after the two good ones: the same error, at line 3.
        for (line, wanted) in zip(bad, expected) {
            #expect(wanted.description.hasPrefix("line \(wanted.line ?? 0): "))
            do {
                _ = try LabelledDataSet(data: Data((good[0..<2] + [line]).joined(separator: "\n").utf8), model: model, skipBad: false)
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.line == 3)
                #expect(error.description.drop { $0 != ":" } == wanted.description.drop { $0 != ":" })
            }
        }
        let kept = try LabelledDataSet(data: Data(text.utf8), model: model, skipBad: true)
        #expect(kept.skipped == expected)
        #expect(kept.examples.map(\.line) == [1, 2, 10, 11, 12])
        #expect(throws: DataSetError.noExamples(skipped: 1)) {
            try LabelledDataSet(data: Data("{bad".utf8), model: model, skipBad: true)
        }
    }

    // MARK: thresholds

    /// Twelve predictions whose thresholds are worked out by hand below.
    private static let handSet: [ExampleResult] = [
        (0.005, false), (0.01, false), (0.02, true), (0.03, false), (0.04, true), (0.045, true),
        (0.06, true), (0.07, false), (0.09, true), (0.1, true), (0.15, true), (0.3, true),
    ].enumerated().map { index, item in
        ExampleResult(line: index + 1, label: 0, predicted: item.1 ? 0 : 1, radius: item.0)
    }

    @Test func thresholdCurveCountsEveryDistinctRadius() {
        let curve = ThresholdCurve(results: Self.handSet)
        #expect(curve.points.map(\.threshold) == [0] + Self.handSet.map(\.radius))
        #expect(curve.total == 12 && curve.wrong == 4)
        let at04 = curve.point(at: 0.04)
        #expect(at04.atOrAbove == 8 && at04.correctAtOrAbove == 7 && at04.below == 4 && at04.wrongBelow == 3)
        #expect(curve.point(at: 0.035) == curve.point(at: 0.03))
    }

    @Test func suggestionMatchesThresholdsComputedByHand() throws {
        let curve = ThresholdCurve(results: Self.handSet)
        // Accuracy of radius >= t: 0.667 (t = 0), 0.727 (0.01), 0.8 (0.02), 0.778 (0.03), 0.875 (0.04),
        // 0.857 (0.045), 0.833 (0.06), 0.8 (0.07), 1.0 (0.09): 0.09 is the first to reach 0.9.
        // Accuracy below t: 0 (0.01), 0 (0.02), 1/3 (0.03), 1/4 (0.04), 2/5 (0.045), 3/6 (0.06), 4/7 (0.07),
        // 4/8 (0.09): 0.045 is the highest below 0.5.
        let suggestion = try #require(PolicySuggestion(curve: curve, results: Self.handSet, targetAccuracy: 0.9))
        let outcome = suggestion.outcome
        #expect(outcome.policy.acceptAtOrAbove == 0.09)
        #expect(outcome.policy.refuseBelow == 0.045)
        #expect(outcome.accepted == 4 && outcome.correctAccepted == 4 && outcome.acceptedAccuracy == 1)
        #expect(outcome.flagged == 3 && outcome.correctFlagged == 2)
        #expect(outcome.refused == 5 && outcome.wrongRefused == 3 && outcome.wrong == 4)
        #expect(try #require(outcome.servedAccuracy) == 6.0 / 7.0)
        // 0.875 is first reached at 0.04, written as the shortest decimal above the radius below it (0.03).
        let lower = try #require(PolicySuggestion(curve: curve, results: Self.handSet, targetAccuracy: 0.87))
        #expect(lower.outcome.policy.acceptAtOrAbove == 0.04 && lower.outcome.accepted == 8)
        #expect(PolicySuggestion(curve: ThresholdCurve(results: [ExampleResult(line: 1, label: 0, predicted: 1, radius: 0.2)]),
                                 results: [], targetAccuracy: 0.5) == nil)
    }

    @Test func shortThresholdsSelectTheSamePredictions() {
        #expect(shortestDecimal(above: 0.03, atMost: 0.0371234) == 0.037)
        #expect(shortestDecimal(above: 0.0, atMost: 0.0371234) == 0.03)
        for (low, high) in [(0.0, 0.5), (0.123, 0.1231), (1.5, 2.25), (0.0099, 0.01), (0.0371, 0.03713)] {
            let value = shortestDecimal(above: low, atMost: high)
            #expect(value > low && value <= high)
        }
    }

    @Test func suggestedBlockIsAValidConfigEntry() throws {
        let policy = ModelPolicy(name: "digits", path: "examples/models/digits-lstm",
                                 certify: CertifyPolicy(norm: .linf, frames: .window(1, 3), deadlineMilliseconds: 200,
                                                        allowOverrides: [.frames, .mode]),
                                 decide: DecisionPolicy(acceptAtOrAbove: 0.09, refuseBelow: 0.045), expose: .radius)
        let config = try GuardConfig.parse(yaml: "listen: tcp://127.0.0.1:5555\nmodels:\n" + policyYAML(policy))
        let parsed = try #require(config.models.first)
        #expect(parsed.name == "digits" && parsed.path == policy.path && parsed.expose == .radius)
        #expect(parsed.certify.norm == .linf && parsed.certify.frames == .window(1, 3))
        #expect(parsed.certify.deadlineMilliseconds == 200 && parsed.certify.allowOverrides == [.frames, .mode])
        #expect(parsed.decide.acceptAtOrAbove == 0.09 && parsed.decide.refuseBelow == 0.045)
    }

    // MARK: the rendered report

    @Test func reportIsWellFormedAndHoldsEverySeries() throws {
        let (model, inputs) = try smallModel()
        let text = try dataLines(inputs).joined(separator: "\n")
        let dataSet = try LabelledDataSet(data: Data(text.utf8), model: model, skipBad: false)
        let settings = CalibrationSettings(perturbation: Perturbation(norm: .l2), attackSample: 3, sensitivitySample: 2)
        let progress = ProgressLog()
        let run = try CalibrationRun.certify(dataSet, model: model, settings: settings, skipBad: false) { done, total in
            progress.record(done, total)
        }
        #expect(run.results.count == 5 && run.results.count { !$0.correct } == 1)
        #expect(run.attacks.count == 3 && run.sensitivities.count == 2)
        #expect(progress.calls == (1...10).map { [$0, 10] })
        for gap in run.attacks {
            // A certificate is a proof: the attack can never succeed inside it.
            if let attack = gap.attack { #expect(gap.certified <= attack) }
        }
        let policy = DecisionPolicy(acceptAtOrAbove: 0.05, refuseBelow: 0.01)
        let curve = ThresholdCurve(results: run.results)
        let suggestion = PolicySuggestion(curve: curve, results: run.results, targetAccuracy: 0.9)
        let report = CalibrationReport(name: "small <model> & co", model: model, dataSet: dataSet, run: run, policy: policy,
                                       suggestion: suggestion,
                                       provenance: [("rnnguard", "test"), ("data", "a \"quoted\" <path>")])
        #expect(report.view == .frames)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try report.write(to: folder.appendingPathComponent("small.html"))
        #expect(written.map(\.lastPathComponent) == ["small.html", "small-radii.csv", "small-histogram.csv", "small-attack.csv",
                                                     "small-thresholds.csv", "small-sensitivity.csv"])

        let html = try Data(contentsOf: written[0])
        let page = String(decoding: html, as: UTF8.self)
        // No script and nothing fetched: the only addresses are the XML namespaces.
        #expect(!page.contains("<script") && !page.contains("src=") && !page.contains("<link"))
        #expect(!page.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http"))
        #expect(page.contains("small &lt;model&gt; &amp; co"))
        let xml = try XMLSummary.parse(html)
        // Radii histogram, attack gap, threshold curve, accuracy-coverage, and one map per sampled input.
        #expect(xml.count("svg") == 4 + 2)
        #expect(xml.series("correct")?["data-points"] == "20" && xml.series("wrong")?["data-points"] == "20")
        #expect(xml.series("certified")?["data-points"] == "3")
        let attacks = run.attacks.count { $0.attack != nil }
        #expect(xml.series("attack")?["data-points"] == "\(attacks)")
        let points = curve.points.count
        for name in ["coverage", "accuracy", "wrong-caught"] {
            #expect(xml.series(name)?["data-points"] == "\(2 * points)")
        }
        #expect(xml.series("risk-coverage")?["data-points"] == "\(points)")
        let maps = xml.elements.filter { $0.name == "figure" }
        #expect(maps.count == 2)
        for map in maps {
            let line = try #require(Int(map.attributes["data-line"] ?? ""))
            let example = try #require(dataSet.examples.first { $0.line == line })
            #expect(map.attributes["data-frames"] == "\(example.sequence.count)")
        }
        #expect(xml.elements.count { $0.name == "rect" && $0.attributes["class"] == "frame" }
                == run.sensitivities.reduce(0) { $0 + $1.frameRadii.count })
        #expect(xml.elements.count { $0.name == "g" && ($0.attributes["class"] ?? "").hasPrefix("marker policy") } == 2 * 2)

        // The CSV tables hold the chart's numbers.
        let radii = try String(contentsOf: written[1], encoding: .utf8).split(separator: "\n")
        #expect(radii.count == 1 + 5 && radii[0] == "line,label,predicted,correct,radius,complete,seconds")
        let thresholds = try String(contentsOf: written[4], encoding: .utf8).split(separator: "\n")
        #expect(thresholds.count == 1 + points)
        let frames = try String(contentsOf: written[5], encoding: .utf8).split(separator: "\n")
        #expect(frames.count == 1 + run.sensitivities.reduce(0) { $0 + $1.frameRadii.count })
    }

    @Test func samplesSpreadOverTheRadiusOrder() {
        #expect(spread([5, 6, 7, 8, 9], count: 3) == [5, 7, 9])
        #expect(spread([5, 6, 7], count: 5) == [5, 6, 7])
        #expect(spread([5, 6, 7], count: 1) == [6])
        #expect(spread([], count: 2).isEmpty)
    }
}

/// Progress calls, recorded from several threads.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [[Int]] = []

    func record(_ done: Int, _ total: Int) {
        lock.lock()
        log.append([done, total])
        lock.unlock()
    }

    var calls: [[Int]] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }
}
