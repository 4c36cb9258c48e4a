import Foundation
import GuardService
import SequenceModels

/// Everything one calibration report shows: the model, the labelled set, its certification run, the
/// threshold curve, the policy in force and a suggested one. `write(to:)` renders it as one HTML file
/// and the CSV tables behind its charts.
public struct CalibrationReport: Sendable {
    /// The name the report is titled with (the policy's model name, or the model folder's).
    public let name: String
    public let model: SequenceClassifier
    public let dataSet: LabelledDataSet
    public let run: CalibrationRun
    public let curve: ThresholdCurve
    /// The thresholds in force (config/guard.yaml), marked on the charts; nil when none is known.
    public let policy: DecisionPolicy?
    public let suggestion: PolicySuggestion?
    /// How the sampled inputs' sensitivity is drawn.
    public let view: SensitivityView
    /// What reproduces the report: version, command, files and their digests, settings.
    public let provenance: [(key: String, value: String)]

    public init(name: String, model: SequenceClassifier, dataSet: LabelledDataSet, run: CalibrationRun,
                policy: DecisionPolicy?, suggestion: PolicySuggestion?, view: SensitivityView? = nil,
                provenance: [(key: String, value: String)]) {
        self.name = name
        self.model = model
        self.dataSet = dataSet
        self.run = run
        self.curve = ThresholdCurve(results: run.results)
        self.policy = policy
        self.suggestion = suggestion
        self.view = view ?? SensitivityView.automatic(for: dataSet.examples[0])
        self.provenance = provenance
    }

    /// The example a result or a sample refers to. `CalibrationRun` keeps results in data-set order, skipping
    /// only the lines the certifier refused, so the line number finds it.
    func example(for result: ExampleResult) -> LabelledDataSet.Example? {
        dataSet.examples.first { $0.line == result.line }
    }

    func className(_ index: Int) -> String {
        model.manifest.labels.flatMap { index < $0.count ? $0[index] : nil } ?? String(index)
    }

    public var accuracy: Double {
        Double(run.results.count { $0.correct }) / Double(run.results.count)
    }

    /// Writes `url` (the HTML) and the CSV files beside it (`NAME-radii.csv`, ...). Returns every file written.
    @discardableResult
    public func write(to url: URL) throws -> [URL] {
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tables = ReportCSV.tables(of: self)
        let names = tables.map { "\(stem)-\($0.name).csv" }
        try Data(ReportHTML.render(self, csvFiles: Dictionary(uniqueKeysWithValues: zip(tables.map(\.name), names))).utf8)
            .write(to: url)
        var written = [url]
        for (table, name) in zip(tables, names) {
            let file = folder.appendingPathComponent(name)
            try Data(table.text.utf8).write(to: file)
            written.append(file)
        }
        return written
    }
}

/// How a sensitivity map draws an input: `words` colours each word of a text by its radius; `rows`
/// draws an image read row by row (digits) with each row shaded by its radius; `frames` draws a feature
/// sequence (speech, video) as an image, time left to right, with a strip of per-frame radii under it.
public enum SensitivityView: String, Sendable, CaseIterable {
    case words
    case rows
    case frames

    /// Words for text and token inputs; rows for sequences of values in [0, 1] (pixel intensities); frames
    /// otherwise (normalised features are signed).
    public static func automatic(for example: LabelledDataSet.Example) -> SensitivityView {
        switch example.input {
        case .text, .tokens: return .words
        case .sequence(let rows):
            return rows.allSatisfy { $0.allSatisfy { (0...1).contains($0) } } ? .rows : .frames
        }
    }
}
