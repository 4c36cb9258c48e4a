import Foundation
import SequenceModels

/// A one-line progress bar on standard error for long JSON-lines runs, redrawn with a carriage return so
/// that standard output stays pure JSON lines. Immutable, so a report's worker threads may share one; they
/// take turns to call `update`.
final class ProgressBar: Sendable {
    private let total: Int
    private let start = ContinuousClock.now

    init(total: Int) { self.total = total }

    func update(done: Int) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let elapsed = (ContinuousClock.now - start).seconds
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(done)/\(total)  \(String(format: "%.1f", elapsed)) s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
