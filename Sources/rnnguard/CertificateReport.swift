import POPQORN
import SequenceModels

/// The JSON object `rnnguard certify` prints for one input.
struct CertificateReport: Encodable {
    struct Threshold: Encodable {
        let epsilon: Double
        let certified: Bool
        /// Lower bounds of y_label - y_j, keyed by class j.
        let marginLowerBounds: [String: Double]
        /// The largest radius the same computation proves (epsilon when certified).
        let provenRadius: Double

        init(_ check: ThresholdCheck) {
            epsilon = check.epsilon
            certified = check.certified
            provenRadius = check.provenRadius
            marginLowerBounds = Dictionary(uniqueKeysWithValues: check.marginLowerBounds.map { (String($0.key), $0.value) })
        }

        enum CodingKeys: String, CodingKey {
            case epsilon, certified
            case marginLowerBounds = "margin_lower_bounds"
            case provenRadius = "proven_radius"
        }
    }

    let label: Int
    let labelName: String?
    let logits: [Double]
    let norm: String
    let frames: String
    let target: Int?
    var radius: Double?
    /// [certified radius, smallest eps that failed].
    var bracket: [Double?]?
    var complete: Bool?
    var threshold: Threshold?
    var frameRadii: [Double]?
    var attackRadius: Double?
    /// The bound method that answered (the deciding rung with --budget-ms).
    var method: String?
    var boundComputations = 0
    var backwardPasses = 0
    var seconds = 0.0

    init(prediction: Prediction, perturbation: Perturbation, target: Int?) {
        label = prediction.label
        labelName = prediction.labelName
        logits = prediction.logits
        norm = perturbation.norm.rawValue
        frames = perturbation.frames.description
        self.target = target
    }

    mutating func record(_ search: RadiusSearch) {
        radius = search.radius
        bracket = [search.radius, search.failedAt]
        complete = search.complete
        count(search)
    }

    mutating func count(_ search: RadiusSearch) {
        boundComputations += search.boundComputations
        backwardPasses += search.backwardPasses
    }

    enum CodingKeys: String, CodingKey {
        case label, logits, norm, frames, target, radius, bracket, complete, threshold, seconds
        case labelName = "label_name"
        case frameRadii = "frame_radii"
        case attackRadius = "attack_radius"
        case method
        case boundComputations = "bound_computations"
        case backwardPasses = "backward_passes"
    }
}
