import Foundation
import GuardProtocol

/// One model's decisions over a data set, as `rnnguard demo --data` prints them: the policy's accept /
/// flag / refuse mix, how the refusals were reached, accuracy where labels are known, and the
/// certification time the server reported.
struct DecisionMix {
    let model: String
    private(set) var accepted = 0, flagged = 0, refusedByExample = 0, refusedUnproven = 0, partial = 0, errors = 0
    private(set) var correct = 0, labelled = 0, acceptedLabelled = 0, correctAccepted = 0
    private(set) var milliseconds: [Double] = []

    init(model: String) {
        self.model = model
    }

    mutating func add(_ reply: Reply, expected: Int?) {
        guard reply.isOK, let prediction = reply.prediction, let certificate = reply.certificate, let decision = reply.decision else {
            errors += 1
            return
        }
        milliseconds.append(certificate.milliseconds)
        if !certificate.complete { partial += 1 }
        switch decision.action {
        case "accept": accepted += 1
        case "flag": flagged += 1
        default:
            if certificate.counterexampleDistance != nil { refusedByExample += 1 } else { refusedUnproven += 1 }
        }
        if let expected {
            labelled += 1
            if decision.action == "accept" { acceptedLabelled += 1 }
            if expected == prediction.label {
                correct += 1
                if decision.action == "accept" { correctAccepted += 1 }
            }
        }
    }

    static let header = ["model", "inputs", "accept", "flag", "refuse (example)", "refuse (unproven)", "partial", "errors",
                         "accuracy", "accepted accuracy", "ms mean", "p50", "p99"]

    var row: [String] {
        let sorted = milliseconds.sorted()
        func percentile(_ p: Double) -> String {
            sorted.isEmpty ? "-" : String(format: "%.2f", sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))])
        }
        let mean = sorted.isEmpty ? "-" : String(format: "%.2f", sorted.reduce(0, +) / Double(sorted.count))
        let accuracy = labelled > 0 ? String(format: "%.3f", Double(correct) / Double(labelled)) : "-"
        let acceptedAccuracy = acceptedLabelled > 0 ? String(format: "%.3f", Double(correctAccepted) / Double(acceptedLabelled)) : "-"
        return [model, "\(accepted + flagged + refusedByExample + refusedUnproven + errors)", "\(accepted)", "\(flagged)",
                "\(refusedByExample)", "\(refusedUnproven)", "\(partial)", "\(errors)", accuracy, acceptedAccuracy, mean,
                percentile(0.5), percentile(0.99)]
    }
}
